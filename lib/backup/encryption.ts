/**
 * Client-side encryption of backups: streaming AES-256-GCM (WebCrypto) in chunks, so memory
 * holds one chunk whatever the snapshot's size.
 *
 * Format (version 1), all integers big-endian:
 *
 * ```
 * header  (56 bytes): "EMBKENC1" (8) | version u8 = 1 | 3 zero bytes | chunk size u32 |
 *                     key id (8: first bytes of SHA-256 of the key) | salt (32, random)
 * chunks:             AES-GCM(ciphertext | 16-byte tag) of each `chunk size` bytes of
 *                     plaintext; the last one holds 0..chunk size bytes
 * ```
 *
 * Each backup encrypts with its own key, HKDF-SHA-256(master key, salt), so nonces never
 * repeat across backups: chunk `i` uses the nonce `0u32 | i u64`. The additional data of
 * chunk `i` is `header | i u64 | final u8`: a changed header, a truncated stream (its last
 * chunk was not sealed as final), reordered or swapped chunks, and any flipped bit each fail
 * authentication, and the error says which.
 *
 * @module
 */
import { concatBytes } from "../bytes.ts";

/** The first bytes of an encrypted backup. */
export const MAGIC = new TextEncoder().encode("EMBKENC1");
/** The format version written. */
export const VERSION = 1;
/** Header length. */
export const HEADER_BYTES = 56;
/** The AES-GCM tag after each chunk. */
export const TAG_BYTES = 16;
/** Default plaintext bytes per chunk: 1 MiB. */
export const DEFAULT_CHUNK_BYTES = 1024 * 1024;
/** Largest chunk accepted when reading (bounds memory against a hostile header). */
export const MAX_CHUNK_BYTES = 16 * 1024 * 1024;

/** A decryption failure; the message says what is wrong (never the key). */
export class BackupDecryptionError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "BackupDecryptionError";
  }
}

/** A 32-byte master key, imported for HKDF, with its public id. */
export interface BackupKey {
  /** Hex of the first 8 bytes of SHA-256 of the key (not secret: names the key). */
  readonly id: string;
  /** The key, usable only for HKDF derivation (not extractable). */
  readonly hkdf: CryptoKey;
}

/** A byte array WebCrypto accepts (ours are never over a SharedArrayBuffer). */
type Bytes = Uint8Array<ArrayBuffer>;

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/**
 * Imports a 32-byte key.
 *
 * @throws {RangeError} when it is not 32 bytes (the length only is named).
 */
export async function importBackupKey(raw: Uint8Array): Promise<BackupKey> {
  if (raw.length !== 32) {
    throw new RangeError(`Cannot use a backup key of ${raw.length} bytes: expected 32`);
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", raw as Bytes));
  const hkdf = await crypto.subtle.importKey("raw", raw as Bytes, "HKDF", false, [
    "deriveKey",
    "deriveBits",
  ]);
  return { id: hex(digest.subarray(0, 8)), hkdf };
}

/**
 * Parses a key file's content: 64 hex characters (surrounding whitespace ignored), or
 * exactly 32 raw bytes. The error names `file` and what is wrong, never the content.
 *
 * @throws {TypeError} naming the file when it holds neither.
 */
export function parseKeyFile(file: string, content: Uint8Array): Uint8Array {
  const text = new TextDecoder("utf-8", { fatal: false }).decode(content).trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) {
    return Uint8Array.from(text.match(/../g)!, (h) => parseInt(h, 16));
  }
  if (content.length === 32) return content.slice();
  const what = /^[0-9a-fA-F]*$/.test(text)
    ? `${text.length} hex characters`
    : `${content.length} bytes that are not hex`;
  throw new TypeError(
    `Cannot use backup key file ${file}: it holds ${what}; expected 64 hex characters ` +
      `(openssl rand -hex 32) or exactly 32 raw bytes`,
  );
}

/**
 * 32 bytes derived from `key` for another purpose (`info` names it); they reveal nothing of
 * the key.
 */
export async function deriveSecret(key: BackupKey, info: string): Promise<Uint8Array> {
  return new Uint8Array(
    await crypto.subtle.deriveBits(
      {
        name: "HKDF",
        hash: "SHA-256",
        salt: new Uint8Array(32),
        info: new TextEncoder().encode(info),
      },
      key.hkdf,
      256,
    ),
  );
}

async function chunkKey(key: BackupKey, salt: Uint8Array): Promise<CryptoKey> {
  return await crypto.subtle.deriveKey(
    {
      name: "HKDF",
      hash: "SHA-256",
      salt: salt as Bytes,
      info: new TextEncoder().encode("etcd-mesos backup v1"),
    },
    key.hkdf,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

function nonce(index: number): Bytes {
  const n = new Uint8Array(12);
  new DataView(n.buffer).setBigUint64(4, BigInt(index));
  return n;
}

function aad(header: Uint8Array, index: number, final: boolean): Bytes {
  const a = new Uint8Array(header.length + 9);
  a.set(header);
  const v = new DataView(a.buffer);
  v.setBigUint64(header.length, BigInt(index));
  a[header.length + 8] = final ? 1 : 0;
  return a;
}

/** The header's fields. */
export interface EncryptionHeader {
  version: number;
  chunkBytes: number;
  keyId: string;
  salt: Uint8Array;
  /** The header's bytes (part of each chunk's additional data). */
  bytes: Uint8Array;
}

/** True when `bytes` starts like an encrypted backup (its magic). */
export function looksEncrypted(bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC.length && MAGIC.every((b, i) => bytes[i] === b);
}

/**
 * Parses a header.
 *
 * @throws {BackupDecryptionError} naming the bad field.
 */
export function parseHeader(bytes: Uint8Array): EncryptionHeader {
  if (bytes.length < HEADER_BYTES) {
    throw new BackupDecryptionError(
      `Encrypted backup truncated: ${bytes.length} bytes, shorter than its ${HEADER_BYTES}-byte header`,
    );
  }
  if (!looksEncrypted(bytes)) {
    throw new BackupDecryptionError(
      "Not an encrypted etcd-mesos backup: it does not start with EMBKENC1",
    );
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  const version = v.getUint8(8);
  if (version !== VERSION) {
    throw new BackupDecryptionError(`Encrypted backup of format version ${version}: expected 1`);
  }
  const chunkBytes = v.getUint32(12);
  if (chunkBytes < 1 || chunkBytes > MAX_CHUNK_BYTES) {
    throw new BackupDecryptionError(
      `Encrypted backup with chunk size ${chunkBytes}: expected 1..${MAX_CHUNK_BYTES}`,
    );
  }
  const head = bytes.slice(0, HEADER_BYTES);
  return {
    version,
    chunkBytes,
    keyId: hex(head.subarray(16, 24)),
    salt: head.slice(24, 56),
    bytes: head,
  };
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const nonEmpty = parts.filter((p) => p.length > 0);
  return nonEmpty.length === 1 ? nonEmpty[0]! : concatBytes(...nonEmpty);
}

/** Bytes queued without copying each piece in (a copy only when a chunk is taken). */
class Queue {
  #parts: Uint8Array[] = [];
  length = 0;

  push(b: Uint8Array): void {
    if (b.length === 0) return;
    this.#parts.push(b);
    this.length += b.length;
  }

  /** Removes and returns the first `n` bytes (n <= length). */
  take(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const p = this.#parts[0]!;
      const k = Math.min(p.length, n - at);
      out.set(p.subarray(0, k), at);
      at += k;
      if (k === p.length) this.#parts.shift();
      else this.#parts[0] = p.subarray(k);
    }
    this.length -= n;
    return out;
  }

  /** The first `n` bytes (or fewer), left in place. */
  peek(n: number): Uint8Array {
    const all = this.take(Math.min(n, this.length));
    this.#parts.unshift(all);
    this.length += all.length;
    return all;
  }
}

/**
 * Encrypts one stream: {@linkcode Encryptor.push} plaintext, {@linkcode Encryptor.finish} at
 * the end; each returns the ciphertext bytes ready (the header comes with the first call).
 * Holds at most one chunk.
 */
export class Encryptor {
  readonly #key: BackupKey;
  readonly #chunkBytes: number;
  #aes: CryptoKey | undefined;
  #header: Uint8Array | undefined;
  #pending = new Queue();
  #index = 0;
  #finished = false;

  /**
   * @throws {RangeError} naming `chunkBytes` when out of 1..{@linkcode MAX_CHUNK_BYTES}.
   */
  constructor(key: BackupKey, chunkBytes = DEFAULT_CHUNK_BYTES) {
    if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 1 || chunkBytes > MAX_CHUNK_BYTES) {
      throw new RangeError(`Cannot encrypt in chunks of ${chunkBytes} bytes`);
    }
    this.#key = key;
    this.#chunkBytes = chunkBytes;
  }

  async #start(): Promise<Uint8Array> {
    if (this.#header !== undefined) return new Uint8Array(0);
    const h = new Uint8Array(HEADER_BYTES);
    h.set(MAGIC);
    const v = new DataView(h.buffer);
    v.setUint8(8, VERSION);
    v.setUint32(12, this.#chunkBytes);
    h.set(Uint8Array.from(this.#key.id.match(/../g)!, (x) => parseInt(x, 16)), 16);
    const salt = crypto.getRandomValues(new Uint8Array(32));
    h.set(salt, 24);
    this.#aes = await chunkKey(this.#key, salt);
    this.#header = h;
    return h;
  }

  async #seal(plain: Uint8Array, final: boolean): Promise<Uint8Array> {
    const i = this.#index++;
    return new Uint8Array(
      await crypto.subtle.encrypt(
        { name: "AES-GCM", iv: nonce(i), additionalData: aad(this.#header!, i, final) },
        this.#aes!,
        plain as Bytes,
      ),
    );
  }

  /** Adds plaintext; returns the ciphertext now complete (maybe empty). */
  async push(plain: Uint8Array): Promise<Uint8Array> {
    if (this.#finished) throw new Error("Encryptor already finished");
    const out = [await this.#start()];
    // A chunk is sealed only once more bytes follow it: the last one is sealed as final.
    this.#pending.push(plain.slice());
    while (this.#pending.length > this.#chunkBytes) {
      out.push(await this.#seal(this.#pending.take(this.#chunkBytes), false));
    }
    return concat(...out);
  }

  /** Seals the final chunk; returns the last ciphertext bytes. */
  async finish(): Promise<Uint8Array> {
    if (this.#finished) throw new Error("Encryptor already finished");
    const head = await this.#start();
    this.#finished = true;
    const last = await this.#seal(this.#pending.take(this.#pending.length), true);
    return concat(head, last);
  }
}

/**
 * Decrypts one stream: {@linkcode Decryptor.push} ciphertext, {@linkcode Decryptor.finish}
 * at the end; each returns the plaintext authenticated so far. Holds at most one chunk.
 */
export class Decryptor {
  readonly #keys: ReadonlyMap<string, BackupKey>;
  #header: EncryptionHeader | undefined;
  #aes: CryptoKey | undefined;
  #pending = new Queue();
  #index = 0;
  #finished = false;

  /** A decryptor trying the key whose id the header names among `keys`. */
  constructor(keys: BackupKey | readonly BackupKey[]) {
    const list = Array.isArray(keys) ? keys : [keys as BackupKey];
    this.#keys = new Map(list.map((k) => [k.id, k]));
  }

  /** The header, once read. */
  get header(): EncryptionHeader | undefined {
    return this.#header;
  }

  async #open(data: Uint8Array, final: boolean): Promise<Uint8Array> {
    const h = this.#header!;
    const i = this.#index++;
    const tryOpen = async (asFinal: boolean) =>
      new Uint8Array(
        await crypto.subtle.decrypt(
          { name: "AES-GCM", iv: nonce(i), additionalData: aad(h.bytes, i, asFinal) },
          this.#aes!,
          data as Bytes,
        ),
      );
    try {
      return await tryOpen(final);
    } catch {
      // Tell truncation (a whole chunk sealed as not final, now last) from damage.
      if (final && await tryOpen(false).then(() => true, () => false)) {
        throw new BackupDecryptionError(
          `Encrypted backup truncated: it ends after chunk ${i}, which is not its last`,
        );
      }
      throw new BackupDecryptionError(
        `Encrypted backup chunk ${i} fails authentication: altered, reordered or swapped ` +
          `(key ${h.keyId})`,
      );
    }
  }

  async #readHeader(): Promise<void> {
    if (this.#header !== undefined || this.#pending.length < HEADER_BYTES) return;
    const header = parseHeader(this.#pending.peek(HEADER_BYTES));
    const key = this.#keys.get(header.keyId);
    if (key === undefined) {
      const have = [...this.#keys.keys()].join(", ") || "none";
      throw new BackupDecryptionError(
        `Backup encrypted with key ${header.keyId}; the keys given are ${have}`,
      );
    }
    this.#aes = await chunkKey(key, header.salt);
    this.#header = header;
    this.#pending.take(HEADER_BYTES);
  }

  /** Adds ciphertext; returns the plaintext authenticated so far (maybe empty). */
  async push(cipher: Uint8Array): Promise<Uint8Array> {
    if (this.#finished) throw new Error("Decryptor already finished");
    this.#pending.push(cipher.slice());
    await this.#readHeader();
    if (this.#header === undefined) {
      // Fail fast on a plaintext object rather than after a whole header's bytes.
      const start = this.#pending.peek(MAGIC.length);
      if (start.length === MAGIC.length && !looksEncrypted(start)) {
        parseHeader(concat(start, new Uint8Array(HEADER_BYTES)));
      }
      return new Uint8Array(0);
    }
    const sealed = this.#header.chunkBytes + TAG_BYTES;
    const out: Uint8Array[] = [new Uint8Array(0)];
    while (this.#pending.length > sealed) {
      out.push(await this.#open(this.#pending.take(sealed), false));
    }
    return concat(...out);
  }

  /**
   * Ends the stream: authenticates the final chunk.
   *
   * @throws {BackupDecryptionError} when the stream is truncated or altered.
   */
  async finish(): Promise<Uint8Array> {
    if (this.#finished) throw new Error("Decryptor already finished");
    this.#finished = true;
    if (this.#header === undefined) parseHeader(this.#pending.peek(HEADER_BYTES));
    if (this.#pending.length < TAG_BYTES) {
      throw new BackupDecryptionError(
        `Encrypted backup truncated: chunk ${this.#index} has ${this.#pending.length} bytes, ` +
          `less than its ${TAG_BYTES}-byte tag`,
      );
    }
    return await this.#open(this.#pending.take(this.#pending.length), true);
  }
}

/** `source` decrypted as a stream (errors as {@linkcode BackupDecryptionError}). */
export function decryptStream(
  source: ReadableStream<Uint8Array>,
  keys: BackupKey | readonly BackupKey[],
): ReadableStream<Uint8Array> {
  const d = new Decryptor(keys);
  return source.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      async transform(chunk, controller) {
        const plain = await d.push(chunk);
        if (plain.length > 0) controller.enqueue(plain);
      },
      async flush(controller) {
        const plain = await d.finish();
        if (plain.length > 0) controller.enqueue(plain);
      },
    }),
  );
}
