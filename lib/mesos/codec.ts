/**
 * Encoders and decoders for Mesos messages in both wire encodings.
 *
 * In memory a message is a plain object keyed by the proto field names (snake_case), with
 * enums as their value names (`"TASK_RUNNING"`), `bytes` as Uint8Array, 64-bit integers as
 * `number` when exactly representable and `bigint` otherwise, and unset fields absent.
 *
 * JSON follows Mesos' own mapping (the transcripts are byte-exact references): keys in
 * declaration order, enum names (a number is rejected; an unknown name or number is dropped
 * unless the field is required, as in Mesos), standard base64 bytes, bare int64
 * numbers, doubles always with a fraction (`2.0`), unknown keys ignored, and optional
 * fields that declare a default written even when unset (`"shell":true`).
 */
import protobuf from "protobufjs";
import { messageType } from "./schema.ts";
import { JsonNumber, type LosslessJson, parseLosslessJson } from "./json_lossless.ts";

/** The two encodings of the Mesos HTTP APIs. */
export type Encoding = "json" | "protobuf";

/** Content-Type of each encoding. */
export const CONTENT_TYPE: Record<Encoding, string> = {
  json: "application/json",
  protobuf: "application/x-protobuf",
};

/** A plain in-memory message (see the module comment). */
// deno-lint-ignore no-explicit-any
export type Plain = Record<string, any>;

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

const INT64_TYPES = new Set(["int64", "uint64", "sint64", "fixed64", "sfixed64"]);
const INT32_TYPES = new Set(["int32", "uint32", "sint32", "fixed32", "sfixed32"]);
const FLOAT_TYPES = new Set(["double", "float"]);

/** Encodes `value` (a plain message of type `typeName`) in `encoding`. */
export function encodeMessage(typeName: string, value: Plain, encoding: Encoding): Uint8Array {
  return encoding === "json"
    ? new TextEncoder().encode(toJsonText(typeName, value))
    : toProtobuf(typeName, value);
}

/** Decodes bytes in `encoding` into a plain message of type `typeName`. */
export function decodeMessage<T = Plain>(
  typeName: string,
  bytes: Uint8Array,
  encoding: Encoding,
): T {
  return encoding === "json"
    ? fromJsonText<T>(typeName, new TextDecoder().decode(bytes))
    : fromProtobuf<T>(typeName, bytes);
}

// ---------------------------------------------------------------------------- required

/** Lists the paths of required fields missing from `value` (recursively). */
export function missingRequiredFields(typeName: string, value: Plain): string[] {
  const missing: string[] = [];
  walkRequired(messageType(typeName), value, "", missing);
  return missing;
}

function walkRequired(type: protobuf.Type, value: Plain, prefix: string, out: string[]) {
  for (const field of type.fieldsArray) {
    const v = value[field.name];
    const path = prefix + field.name;
    if (v === undefined || v === null) {
      if (field.required) out.push(path);
      continue;
    }
    if (!(field.resolvedType instanceof protobuf.Type)) continue;
    if (field.repeated) {
      (v as Plain[]).forEach((item, i) =>
        walkRequired(field.resolvedType as protobuf.Type, item, `${path}[${i}].`, out)
      );
    } else walkRequired(field.resolvedType, v, path + ".", out);
  }
}

function assertInitialized(typeName: string, value: Plain) {
  const missing = missingRequiredFields(typeName, value);
  if (missing.length > 0) throw new NotInitializedError(missing);
}

// ---------------------------------------------------------------------------- protobuf

/** Encodes a plain message as protobuf bytes (required fields are checked first). */
export function toProtobuf(typeName: string, value: Plain): Uint8Array {
  assertInitialized(typeName, value);
  const type = messageType(typeName);
  return type.encode(toPbObject(type, value, typeName)).finish();
}

function toPbObject(type: protobuf.Type, value: Plain, path: string): Plain {
  const out: Plain = {};
  for (const field of type.fieldsArray) {
    const v = value[field.name];
    if (v === undefined || v === null) continue;
    const conv = (item: unknown) => toPbScalar(field, item, `${path}.${field.name}`);
    out[field.name] = field.repeated ? asArray(v, `${path}.${field.name}`).map(conv) : conv(v);
  }
  return out;
}

function toPbScalar(field: protobuf.Field, v: unknown, path: string): unknown {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Type) {
    if (typeof v !== "object" || v === null) throw new CodecError(`Expected a message at ${path}`);
    return toPbObject(rt, v as Plain, path);
  }
  if (rt instanceof protobuf.Enum) {
    const n = typeof v === "string" ? rt.values[v] : undefined;
    if (n === undefined) throw new CodecError(`Invalid enum value ${String(v)} at ${path}`);
    return n;
  }
  if (INT64_TYPES.has(field.type)) {
    // protobufjs parses decimal strings into Long itself.
    return typeof v === "bigint" ? v.toString() : v;
  }
  if (field.type === "bytes" && !(v instanceof Uint8Array)) {
    throw new CodecError(`Expected bytes (Uint8Array) at ${path}`);
  }
  return v;
}

/** Decodes protobuf bytes into a plain message. */
export function fromProtobuf<T = Plain>(typeName: string, bytes: Uint8Array): T {
  const type = messageType(typeName);
  let decoded: protobuf.Message;
  try {
    decoded = type.decode(bytes);
  } catch (e) {
    if (e instanceof protobuf.util.ProtocolError) {
      throw new CodecError(`Not initialized: ${(e as Error).message}`);
    }
    throw new CodecError(`Failed to parse ${typeName} protobuf: ${(e as Error).message}`);
  }
  return fromPbObject(type, decoded as unknown as Plain) as T;
}

function fromPbObject(type: protobuf.Type, msg: Plain): Plain {
  const out: Plain = {};
  for (const field of type.fieldsArray) {
    if (!Object.prototype.hasOwnProperty.call(msg, field.name)) continue;
    const v = msg[field.name];
    if (v === undefined || v === null) continue;
    const conv = (item: unknown) => fromPbScalar(field, item);
    if (field.repeated) {
      const items = (v as unknown[]).map(conv).filter((x) => x !== UNKNOWN_ENUM);
      if (items.length > 0) out[field.name] = items;
    } else {
      const value = conv(v);
      if (value !== UNKNOWN_ENUM) out[field.name] = value;
    }
  }
  return out;
}

/** An enum number this schema does not know (a newer peer's value). */
const UNKNOWN_ENUM = Symbol("unknown enum value");

function fromPbScalar(field: protobuf.Field, v: unknown): unknown {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Type) return fromPbObject(rt, v as Plain);
  if (rt instanceof protobuf.Enum) {
    const name = rt.valuesById[v as number];
    if (name !== undefined) return name;
    // proto2 keeps an unknown value out of the field (it lands among unknown fields), so a
    // required enum is then missing.
    if (field.required) {
      throw new CodecError(`Not initialized: unknown value ${String(v)} of enum ${field.name}`);
    }
    return UNKNOWN_ENUM;
  }
  if (INT64_TYPES.has(field.type)) return int64FromLong(v);
  if (field.type === "bytes") return new Uint8Array(v as Uint8Array);
  return v;
}

function int64FromLong(v: unknown): number | bigint {
  if (typeof v === "number") return v;
  const text = (v as { toString(): string }).toString();
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

// ---------------------------------------------------------------------------- JSON

/** Writes a plain message as Mesos-style JSON text. */
export function toJsonText(typeName: string, value: Plain): string {
  return writeJsonMessage(messageType(typeName), value, typeName);
}

function writeJsonMessage(type: protobuf.Type, value: Plain, path: string): string {
  const parts: string[] = [];
  for (const field of type.fieldsArray) {
    let v = value[field.name];
    if (v === undefined || v === null) {
      const dflt = field.options?.default;
      if (dflt === undefined || field.repeated) continue;
      v = dflt;
    }
    const p = `${path}.${field.name}`;
    const text = field.repeated
      ? `[${asArray(v, p).map((item) => writeJsonScalar(field, item, p)).join(",")}]`
      : writeJsonScalar(field, v, p);
    parts.push(`${JSON.stringify(field.name)}:${text}`);
  }
  return `{${parts.join(",")}}`;
}

function writeJsonScalar(field: protobuf.Field, v: unknown, path: string): string {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Type) {
    if (typeof v !== "object" || v === null) throw new CodecError(`Expected a message at ${path}`);
    return writeJsonMessage(rt, v as Plain, path);
  }
  if (rt instanceof protobuf.Enum) {
    const name = typeof v === "number" ? rt.valuesById[v] : v;
    if (typeof name !== "string" || rt.values[name] === undefined) {
      throw new CodecError(`Invalid enum value ${String(v)} at ${path}`);
    }
    return JSON.stringify(name);
  }
  if (FLOAT_TYPES.has(field.type)) return formatDouble(Number(v), path);
  if (INT64_TYPES.has(field.type) || INT32_TYPES.has(field.type)) {
    if (typeof v === "bigint") return v.toString();
    if (typeof v !== "number" || !Number.isInteger(v)) {
      throw new CodecError(`Expected an integer at ${path}, got ${String(v)}`);
    }
    return String(v);
  }
  if (field.type === "bytes") {
    if (!(v instanceof Uint8Array)) throw new CodecError(`Expected bytes at ${path}`);
    return JSON.stringify(bytesToBase64(v));
  }
  if (field.type === "bool") return v ? "true" : "false";
  return JSON.stringify(String(v));
}

/** Formats a double the way Mesos does: integral values keep one fractional digit. */
export function formatDouble(n: number, path = "value"): string {
  if (!Number.isFinite(n)) throw new CodecError(`Cannot write ${n} as JSON at ${path}`);
  const s = String(n);
  return Number.isInteger(n) && !s.includes("e") ? `${s}.0` : s;
}

/** Parses Mesos-style JSON text into a plain message (required fields are checked). */
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

function asArray(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw new CodecError(`Expected an array at ${path}`);
  return v;
}

// ---------------------------------------------------------------------------- base64

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Standard base64 (with padding) of `bytes`. */
export function bytesToBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

/** Decodes standard base64; the error names the field and the offending character. */
export function base64ToBytes(text: string, fieldName = "bytes"): Uint8Array {
  for (const ch of text) {
    if (!B64.includes(ch) && ch !== "=") {
      throw new CodecError(
        `Failed to base64 decode bytes field '${fieldName}': Invalid character '${ch}'`,
      );
    }
  }
  let bin: string;
  try {
    bin = atob(text);
  } catch {
    throw new CodecError(`Failed to base64 decode bytes field '${fieldName}': Invalid length`);
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
