/**
 * Reads `application/json` into a plain message the way Mesos (stout) does, with its error
 * texts: enum names only (a number is rejected; an unknown name is dropped unless the field
 * is required), standard base64 bytes, numbers or numeric strings for numeric fields,
 * int64 beyond 2^53 kept exact, unknown keys ignored.
 *
 * @module
 */
import protobuf from "protobufjs";
import { base64ToBytes } from "./base64.ts";
import { CodecError } from "./codec_errors.ts";
import { JsonNumber, type LosslessJson, parseLosslessJson } from "./json_lossless.ts";
import { FLOAT_TYPES, INT64_TYPES, type Plain, UNKNOWN_ENUM } from "./plain.ts";
import { assertInitialized } from "./required_fields.ts";
import { messageType } from "./schema.ts";

/**
 * Parses Mesos-style JSON text into a plain message (required fields are checked).
 *
 * @throws {CodecError} with Mesos' message for bad JSON or a value of the wrong kind.
 * @throws {NotInitializedError} when required fields are missing.
 */
export function fromJsonText<T = Plain>(typeName: string, text: string): T {
  let parsed: LosslessJson;
  try {
    parsed = parseLosslessJson(text);
  } catch (e) {
    throw new CodecError(`Failed to parse body into JSON: ${(e as Error).message}`);
  }
  const value = fromJsonValue(typeName, parsed);
  assertInitialized(typeName, value);
  return value as T;
}

/**
 * Converts an already parsed JSON value (plain `JSON.parse` output or lossless) into a
 * plain message, without the required-field check.
 *
 * @throws {CodecError} with Mesos' message for a value of the wrong kind.
 */
export function fromJsonValue(typeName: string, json: unknown): Plain {
  const type = messageType(typeName);
  if (!isObject(json)) throw new CodecError(`Expecting a JSON object for ${typeName}`);
  return readJsonMessage(type, json);
}

function readJsonMessage(type: protobuf.Type, obj: Record<string, unknown>): Plain {
  const out: Plain = {};
  for (const [key, v] of Object.entries(obj)) {
    const field = type.fields[key];
    if (!field || v === null) continue; // Mesos ignores unknown keys
    if (field.repeated) {
      if (!Array.isArray(v)) throw notExpecting(v, field.name);
      out[key] = v.map((item) => readJsonScalar(field, item)).filter((x) => x !== UNKNOWN_ENUM);
    } else {
      const value = readJsonScalar(field, v);
      if (value !== UNKNOWN_ENUM) out[key] = value;
    }
  }
  return out;
}

function readJsonScalar(field: protobuf.Field, v: unknown): unknown {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Type) {
    if (!isObject(v)) throw notExpecting(v, field.name);
    return readJsonMessage(rt, v);
  }
  if (rt instanceof protobuf.Enum) {
    if (typeof v !== "string") throw notExpecting(v, field.name);
    if (rt.values[v] === undefined) {
      // As Mesos (stout) does: an unknown name is an error only for a required field;
      // elsewhere it is discarded, so a newer peer's values do not break older readers.
      if (field.required) {
        throw new CodecError(`Failed to find enum for '${v}' in field '${field.name}'`);
      }
      return UNKNOWN_ENUM;
    }
    return v;
  }
  if (field.type === "bool") {
    if (typeof v !== "boolean") throw notExpecting(v, field.name);
    return v;
  }
  if (field.type === "string") {
    if (typeof v !== "string") throw notExpecting(v, field.name);
    return v;
  }
  if (field.type === "bytes") {
    if (typeof v !== "string") throw notExpecting(v, field.name);
    return base64ToBytes(v, field.name);
  }
  // Numbers: Mesos also accepts numeric strings for numeric fields.
  const raw = v instanceof JsonNumber
    ? v.raw
    : typeof v === "number"
    ? String(v)
    : typeof v === "string" && v.trim() !== "" && !Number.isNaN(Number(v))
    ? v.trim()
    : undefined;
  if (raw === undefined) throw notExpecting(v, field.name);
  if (FLOAT_TYPES.has(field.type)) return Number(raw);
  if (!/^-?\d+$/.test(raw)) {
    throw new CodecError(`Expecting an integer for field '${field.name}', got ${raw}`);
  }
  if (INT64_TYPES.has(field.type)) {
    const n = Number(raw);
    return Number.isSafeInteger(n) ? n : BigInt(raw);
  }
  return Number(raw);
}

function notExpecting(v: unknown, name: string): CodecError {
  const kind = v instanceof JsonNumber || typeof v === "number"
    ? "number"
    : typeof v === "string"
    ? "string"
    : typeof v === "boolean"
    ? "boolean"
    : Array.isArray(v)
    ? "array"
    : "object";
  return new CodecError(`Not expecting a JSON ${kind} for field '${name}'`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof JsonNumber);
}
