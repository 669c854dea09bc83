/**
 * Ids the master mints (`<masterId>-0000`, `<masterId>-S0`, `<masterId>-O0`) and the
 * validation Mesos applies to framework-supplied ids (task and executor ids).
 *
 * @module
 */

/** Mints framework, agent and offer ids for one master incarnation. */
export class IdMinter {
  readonly masterId: string;
  #frameworks = 0;
  #agents = 0;
  #offers = 0;

  constructor(masterId: string) {
    this.masterId = masterId;
  }

  /** `<masterId>-0000`, `<masterId>-0001`, ... */
  framework(): string {
    return `${this.masterId}-${String(this.#frameworks++).padStart(4, "0")}`;
  }

  /** `<masterId>-S0`, `<masterId>-S1`, ... */
  agent(): string {
    return `${this.masterId}-S${this.#agents++}`;
  }

  /** `<masterId>-O0`, `<masterId>-O1`, ... */
  offer(): string {
    return `${this.masterId}-O${this.#offers++}`;
  }
}

/**
 * Checks a framework-supplied id the way Mesos does: non-empty, at most 255 characters,
 * not `.` or `..`, no `/`, `\` or control characters. Returns the reason it is invalid,
 * or undefined when it is fine.
 */
export function invalidIdReason(id: string): string | undefined {
  if (id.length === 0) return "ID must not be empty";
  if (id.length > 255) return "ID must not be greater than 255 characters";
  if (id === "." || id === "..") return "'.' and '..' are reserved";
  if (id.includes("/")) return "'/' is not allowed";
  if (id.includes("\\")) return "'\\' is not allowed";
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(id)) return "Control characters are not allowed";
  return undefined;
}
