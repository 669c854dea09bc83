/**
 * Writes a plain message as `application/json` exactly as Mesos does (the transcripts are
 * byte-exact references): keys in declaration order, enum names, standard base64 bytes,
 * bare int64 numbers, doubles always with a fraction (`2.0`), and optional fields that
 * declare a default written even when unset (`"shell":true`).
 *
 * @module
 */
import protobuf from "protobufjs";
import { bytesToBase64 } from "./base64.ts";
import { CodecError } from "./codec_errors.ts";
import { asArray, FLOAT_TYPES, INT32_TYPES, INT64_TYPES, type Plain } from "./plain.ts";
import { messageType } from "./schema.ts";

/**
 * Writes a plain message as Mesos-style JSON text.
 *
 * @throws {CodecError} naming the path of a value of the wrong kind.
 */
export function toJsonText(typeName: string, value: Plain): string {
  return writeJsonMessage(messageType(typeName), value, typeName);
}

/**
 * Formats a double the way Mesos does: integral values keep one fractional digit.
 *
 * @throws {CodecError} for NaN and infinities, naming `path`.
 */
export function formatDouble(n: number, path = "value"): string {
  if (!Number.isFinite(n)) throw new CodecError(`Cannot write ${n} as JSON at ${path}`);
  const s = String(n);
  return Number.isInteger(n) && !s.includes("e") ? `${s}.0` : s;
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
