/**
 * 16-byte RFC 4122 version 4 UUIDs as Mesos carries them: raw bytes on the wire
 * (`TaskStatus.uuid`, base64 in JSON), canonical text (`8ccff7d3-3bc3-…`) in logs.
 *
 * @module
 */

const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Returns 16 random bytes shaped as a version 4, variant 1 UUID.
 *
 * @param random fills a buffer with random bytes; default `crypto.getRandomValues`.
 */
export function randomUuidBytes(
  random: (buf: Uint8Array) => void = (b) => crypto.getRandomValues(b),
): Uint8Array {
  const bytes = new Uint8Array(16);
  random(bytes);
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  return bytes;
}

/**
 * Formats 16 bytes as canonical lower-case UUID text.
 *
 * @throws {RangeError} naming the length when `bytes` is not 16 bytes long.
 */
export function uuidToText(bytes: Uint8Array): string {
  if (bytes.length !== 16) {
    throw new RangeError(`Cannot format a UUID from ${bytes.length} bytes: expected 16`);
  }
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${
    hex.slice(20)
  }`;
}

/**
 * Parses canonical UUID text (any case) into 16 bytes.
 *
 * @throws {TypeError} naming the text when it is not `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
 */
export function uuidFromText(text: string): Uint8Array {
  if (!UUID_TEXT.test(text)) {
    throw new TypeError(
      `Cannot parse UUID ${JSON.stringify(text)}: expected 8-4-4-4-12 hex digits`,
    );
  }
  const hex = text.replaceAll("-", "");
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** True when `a` and `b` hold the same bytes (for matching ACKNOWLEDGED uuids). */
export function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
