/**
 * The errors of the Mesos message codec: a value that cannot cross the wire, and a message
 * that lacks required fields.
 *
 * @module
 */

/** A value that cannot be converted to or from the wire; the message says what and where. */
export class CodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CodecError";
  }
}

/** Thrown when required fields are missing; `paths` lists each one (`subscribe.framework_info.user`). */
export class NotInitializedError extends CodecError {
  constructor(readonly paths: string[]) {
    super(`Not initialized: ${paths.join(", ")}`);
    this.name = "NotInitializedError";
  }
}
