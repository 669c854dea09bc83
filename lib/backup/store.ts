/**
 * Where backups live: the {@linkcode BackupStore} interface both stores implement
 * (file_store.ts, s3_store.ts) and the parsing of `--backup-store` URLs.
 *
 * A backup is two things in a store: the snapshot object `<id>.db`, then its record
 * `<id>.json`, written last. A backup exists (is listed) once its record exists, so a crash
 * at any point leaves either a whole backup or nothing that is listed.
 *
 * @module
 */
import type { BackupRecord } from "./record.ts";

/** A snapshot being written; nothing is visible until {@linkcode BackupUpload.commit}. */
export interface BackupUpload {
  /** Appends bytes; resolves when they may be reused (memory stays bounded). */
  write(chunk: Uint8Array): Promise<void>;
  /** Finishes the object, then writes `record` (the commit point). */
  commit(record: BackupRecord): Promise<void>;
  /** Drops everything written so far. Idempotent; never throws. */
  abort(): Promise<void>;
}

/** A downloaded snapshot: its bytes as a stream and their count. */
export interface BackupObject {
  size: number;
  body: ReadableStream<Uint8Array>;
}

/** A place backups are written to, listed from and read back. */
export interface BackupStore {
  /** The store's URL as configured (no credentials), for logs and `GET /backups`. */
  readonly url: string;
  /** Starts the snapshot object of backup `id`. */
  create(id: string): Promise<BackupUpload>;
  /** Every committed backup, newest first. */
  list(): Promise<BackupRecord[]>;
  /** The snapshot of a committed backup. @throws {BackupNotFoundError} when there is none. */
  open(id: string): Promise<BackupObject>;
  /** Deletes a backup: its record first (it is then no longer listed), then its object. */
  remove(id: string): Promise<void>;
}

/** No backup with this id in the store. */
export class BackupNotFoundError extends Error {
  /** The id asked for. */
  readonly id: string;
  /** Creates the error naming `id` and the store. */
  constructor(id: string, store: string) {
    super(`No backup ${JSON.stringify(id)} in ${store}`);
    this.name = "BackupNotFoundError";
    this.id = id;
  }
}

/** A parsed `--backup-store`. */
export type StoreLocation =
  | { kind: "file"; dir: string; url: string }
  | { kind: "s3"; bucket: string; prefix: string; url: string };

/**
 * Parses `file:///DIR` or `s3://BUCKET[/PREFIX]`.
 *
 * @throws {TypeError} naming the value when it is neither.
 */
export function parseStoreUrl(value: string): StoreLocation {
  const file = /^file:\/\/(\/[^?#]*)$/.exec(value);
  if (file) {
    const dir = decodeURIComponent(file[1]!).replace(/\/+$/, "") || "/";
    return { kind: "file", dir, url: value };
  }
  const s3 = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(\/[^?#]*)?$/.exec(value);
  if (s3) {
    const prefix = (s3[2] ?? "").replace(/^\/+|\/+$/g, "");
    return { kind: "s3", bucket: s3[1]!, prefix, url: value };
  }
  throw new TypeError(
    `Cannot use backup store ${JSON.stringify(value)}: expected file:///DIR or s3://BUCKET/PREFIX`,
  );
}
