/**
 * `application/x-protobuf`: a plain message to and from protobuf bytes with protobufjs and
 * the project's schema. Required fields are checked before encoding; an enum number the
 * schema does not know is dropped, unless the field is required, as proto2 does.
 *
 * @module
 */
import protobuf from "protobufjs";
import { CodecError } from "./codec_errors.ts";
import { asArray, INT64_TYPES, type Plain, UNKNOWN_ENUM } from "./plain.ts";
import { assertInitialized } from "./required_fields.ts";
import { messageType } from "./schema.ts";

/**
 * Encodes a plain message as protobuf bytes (required fields are checked first).
 *
 * @throws {NotInitializedError} when required fields are missing.
 * @throws {CodecError} naming the path of a value of the wrong kind.
 */
export function toProtobuf(typeName: string, value: Plain): Uint8Array {
  assertInitialized(typeName, value);
  const type = messageType(typeName);
  return type.encode(toPbObject(type, value, typeName)).finish();
}

/**
 * Decodes protobuf bytes into a plain message.
 *
 * @throws {CodecError} on malformed bytes or missing required fields.
 */
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
