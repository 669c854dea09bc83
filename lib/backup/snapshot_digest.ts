/**
 * Checking an etcd snapshot stream as it passes: etcd appends to the db it streams the
 * SHA-256 of the preceding bytes (its last 32 bytes; `etcdctl snapshot restore` checks it
 * the same way). {@linkcode SnapshotDigest} hashes incrementally and holds back only the
 * last 32 bytes, and also hashes the whole stream (what the record's `sha256` is).
 *
 * @module
 */
import { createHash, type Hash } from "node:crypto";

/** The length of the trailer etcd appends. */
export const TRAILER_BYTES = 32;

/** The stream's trailer does not match its bytes. */
export class SnapshotIntegrityError extends Error {
  /** Hex of the trailer received. */
  readonly expected: string;
  /** Hex SHA-256 of the bytes before it. */
  readonly actual: string;
  /** Creates the error naming both hashes and the size. */
  constructor(expected: string, actual: string, size: number) {
    super(
      `Snapshot of ${size} bytes fails its SHA-256 check: trailer ${expected}, content ${actual}`,
    );
    this.name = "SnapshotIntegrityError";
    this.expected = expected;
    this.actual = actual;
  }
}

/** What a finished digest found. */
export interface DigestResult {
  /** Bytes of the whole stream (db + trailer). */
  size: number;
  /** Hex SHA-256 of the whole stream. */
  sha256: string;
  /** Hex of the trailer, which matched the db's SHA-256. */
  trailer: string;
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** Incremental check of one snapshot stream. */
export class SnapshotDigest {
  readonly #db: Hash = createHash("sha256");
  readonly #all: Hash = createHash("sha256");
  /** The last up-to-32 bytes seen (not yet hashed into `#db`). */
  #tail = new Uint8Array(0);
  #size = 0;

  /** Adds the next chunk. */
  update(chunk: Uint8Array): void {
    this.#size += chunk.length;
    this.#all.update(chunk);
    const joined = new Uint8Array(this.#tail.length + chunk.length);
    if (joined.length <= TRAILER_BYTES) {
      joined.set(this.#tail);
      joined.set(chunk, this.#tail.length);
      this.#tail = joined;
      return;
    }
    // Hash everything but the last 32 bytes of tail + chunk, without copying the chunk.
    const keep = TRAILER_BYTES;
    const fromChunk = Math.min(chunk.length, keep);
    const fromTail = keep - fromChunk;
    this.#db.update(this.#tail.subarray(0, this.#tail.length - fromTail));
    this.#db.update(chunk.subarray(0, chunk.length - fromChunk));
    const next = new Uint8Array(keep);
    next.set(this.#tail.subarray(this.#tail.length - fromTail));
    next.set(chunk.subarray(chunk.length - fromChunk), fromTail);
    this.#tail = next;
  }

  /**
   * Ends the stream and checks the trailer.
   *
   * @throws {SnapshotIntegrityError} when the trailer is missing or does not match.
   */
  finish(): DigestResult {
    const actual = this.#db.digest("hex");
    const trailer = hex(this.#tail);
    if (this.#tail.length !== TRAILER_BYTES || trailer !== actual) {
      throw new SnapshotIntegrityError(trailer || "(none)", actual, this.#size);
    }
    return { size: this.#size, sha256: this.#all.digest("hex"), trailer };
  }
}
