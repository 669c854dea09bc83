/**
 * A stored snapshot as its plaintext: an encrypted object (it starts with the magic of
 * lib/backup/encryption.ts) is decrypted as it streams, a plain one passes as it is. The
 * header is read before anything is returned, so a wrong key or a damaged header is an
 * error at once, not a broken download.
 *
 * @module
 */
import {
  BackupDecryptionError,
  decryptStream,
  HEADER_BYTES,
  looksEncrypted,
  parseHeader,
} from "./encryption.ts";
import type { BackupKeys } from "./key_files.ts";
import type { BackupObject } from "./store.ts";

/** A snapshot's plaintext. */
export interface PlainObject {
  /** The object was stored encrypted. */
  encrypted: boolean;
  /** Bytes of the plaintext when known (a plain object's size). */
  size?: number;
  body: ReadableStream<Uint8Array>;
}

/** `head` then the rest of `reader`. */
function prefixed(
  head: Uint8Array,
  reader: ReadableStreamDefaultReader<Uint8Array>,
): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (head.length > 0) controller.enqueue(head);
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

/**
 * The plaintext of `obj` (see the module doc).
 *
 * @throws {BackupDecryptionError} when it is encrypted with none of `keys` (naming the key
 * id), or its header is damaged.
 */
export async function plainObject(
  obj: BackupObject,
  keys: BackupKeys | undefined,
): Promise<PlainObject> {
  const reader = obj.body.getReader();
  const parts: Uint8Array[] = [];
  let got = 0;
  try {
    while (got < HEADER_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      got += value.length;
    }
    const head = new Uint8Array(got);
    let at = 0;
    for (const p of parts) {
      head.set(p, at);
      at += p.length;
    }
    if (!looksEncrypted(head)) {
      return { encrypted: false, size: obj.size, body: prefixed(head, reader) };
    }
    const header = parseHeader(head);
    if (!keys?.all.some((k) => k.id === header.keyId)) {
      throw new BackupDecryptionError(
        `Backup encrypted with key ${header.keyId}; ${
          keys ? `the keys given are ${keys.all.map((k) => k.id).join(", ")}` : "no key is given"
        }`,
      );
    }
    return { encrypted: true, body: decryptStream(prefixed(head, reader), keys.all) };
  } catch (e) {
    await reader.cancel().catch(() => {});
    throw e;
  }
}
