/**
 * A tiny JSON writer for the master's hand-shaped endpoints (`/master/state`,
 * `/master/tasks`), where Mesos writes doubles with a fraction (`2.0`) but integers bare,
 * and embeds protobuf messages in their Mesos JSON form.
 *
 * @module
 */
import { formatDouble, toJsonText } from "../../mesos/json_encode.ts";
import type { Plain } from "../../mesos/plain.ts";

/** A number written as a double (`1.0`, `0.1`). */
export class JsonDouble {
  constructor(readonly value: number) {}
}

/** Already serialized JSON text, written as is. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** A value the writer understands. Plain numbers are written as integers. */
export type JsonValue =
  | null
  | boolean
  | string
  | number
  | JsonDouble
  | RawJson
  | JsonValue[]
  | { [key: string]: JsonValue | undefined };

/** Shorthand for {@linkcode JsonDouble}. */
export function double(value: number): JsonDouble {
  return new JsonDouble(value);
}

/** A protobuf message in Mesos JSON form (`typeName` e.g. `mesos.v1.DiscoveryInfo`). */
export function message(typeName: string, value: Plain): RawJson {
  return new RawJson(toJsonText(typeName, value));
}

/** Serializes `value` compactly; object keys keep insertion order; `undefined` keys are skipped. */
export function writeJson(value: JsonValue): string {
  if (value === null) return "null";
  if (value instanceof JsonDouble) return formatDouble(value.value);
  if (value instanceof RawJson) return value.text;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new RangeError(`Cannot write ${value} as JSON`);
    return String(value);
  }
  if (typeof value === "string" || typeof value === "boolean") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(writeJson).join(",")}]`;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    parts.push(`${JSON.stringify(k)}:${writeJson(v)}`);
  }
  return `{${parts.join(",")}}`;
}
