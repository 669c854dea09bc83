/**
 * Conversions between in-memory messages and the Mesos-style JSON objects carried by the
 * private master <-> agent protocol.
 *
 * @module
 */
import { bytesToBase64 } from "../../mesos/base64.ts";
import { fromJsonValue } from "../../mesos/json_decode.ts";
import { toJsonText } from "../../mesos/json_encode.ts";
import type { Plain } from "../../mesos/plain.ts";

/** A plain message as a Mesos-style JSON object (defaults written, bytes as base64). */
export function toJsonObject(typeName: string, value: Plain): Plain {
  return JSON.parse(toJsonText(typeName, value));
}

/** A Mesos-style JSON object as a plain message (bytes decoded, unknown keys dropped). */
export function fromJsonObject(typeName: string, json: unknown): Plain {
  return fromJsonValue(typeName, json);
}

/** Base64 text of a uuid or data field (empty for undefined). */
export function base64Of(bytes: Uint8Array | undefined): string {
  return bytes === undefined ? "" : bytesToBase64(bytes);
}
