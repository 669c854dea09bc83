/**
 * The in-memory form of a Mesos message, shared by the JSON and protobuf codecs.
 *
 * A message is a plain object keyed by the proto field names (snake_case), with enums as
 * their value names (`"TASK_RUNNING"`), `bytes` as Uint8Array, 64-bit integers as `number`
 * when exactly representable and `bigint` otherwise, and unset fields absent.
 *
 * @module
 */
import { CodecError } from "./codec_errors.ts";

/** A plain in-memory message (see the module comment). */
// deno-lint-ignore no-explicit-any
export type Plain = Record<string, any>;

/** Proto scalar types held as `number | bigint` (bigint beyond 2^53). */
export const INT64_TYPES: ReadonlySet<string> = new Set([
  "int64",
  "uint64",
  "sint64",
  "fixed64",
  "sfixed64",
]);

/** Proto scalar types held as `number` integers. */
export const INT32_TYPES: ReadonlySet<string> = new Set([
  "int32",
  "uint32",
  "sint32",
  "fixed32",
  "sfixed32",
]);

/** Proto scalar types held as `number` with a fraction. */
export const FLOAT_TYPES: ReadonlySet<string> = new Set(["double", "float"]);

/**
 * What a decoder returns for an enum value this schema does not know (a newer peer's
 * value); the caller leaves the field out.
 */
export const UNKNOWN_ENUM: unique symbol = Symbol("unknown enum value");

/** Returns `v` as the array a repeated field holds; the error names `path`. */
export function asArray(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw new CodecError(`Expected an array at ${path}`);
  return v;
}
