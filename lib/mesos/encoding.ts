/**
 * The two wire encodings of the Mesos HTTP APIs, and one entry point that encodes or
 * decodes a message in either: JSON as Mesos writes and reads it (json_encode.ts,
 * json_decode.ts) or protobuf (protobuf_codec.ts). Messages are plain objects (plain.ts).
 *
 * @module
 */
import { fromJsonText } from "./json_decode.ts";
import { toJsonText } from "./json_encode.ts";
import type { Plain } from "./plain.ts";
import { fromProtobuf, toProtobuf } from "./protobuf_codec.ts";

/** The two encodings of the Mesos HTTP APIs. */
export type Encoding = "json" | "protobuf";

/** Content-Type of each encoding. */
export const CONTENT_TYPE: Record<Encoding, string> = {
  json: "application/json",
  protobuf: "application/x-protobuf",
};

/**
 * Encodes `value` (a plain message of type `typeName`) in `encoding`.
 *
 * @throws {CodecError} naming the path of a value that cannot be written.
 */
export function encodeMessage(typeName: string, value: Plain, encoding: Encoding): Uint8Array {
  return encoding === "json"
    ? new TextEncoder().encode(toJsonText(typeName, value))
    : toProtobuf(typeName, value);
}

/**
 * Decodes bytes in `encoding` into a plain message of type `typeName`.
 *
 * @throws {CodecError} with Mesos' message for malformed input or missing required fields.
 */
export function decodeMessage<T = Plain>(
  typeName: string,
  bytes: Uint8Array,
  encoding: Encoding,
): T {
  return encoding === "json"
    ? fromJsonText<T>(typeName, new TextDecoder().decode(bytes))
    : fromProtobuf<T>(typeName, bytes);
}
