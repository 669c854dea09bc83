/**
 * Standard base64 (with padding), the form of `bytes` fields in Mesos' JSON; decoding
 * errors read like Mesos' own.
 *
 * @module
 */
import { CodecError } from "./codec_errors.ts";

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Standard base64 (with padding) of `bytes`. */
export function bytesToBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

/**
 * Decodes standard base64; the error names the field and the offending character.
 *
 * @throws {CodecError} on a character outside the alphabet or a bad length.
 */
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
