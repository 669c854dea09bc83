/**
 * A {@linkcode BackupStore} in an S3 bucket (AWS or S3-compatible, path-style):
 * `<prefix>/<id>.db` and `<prefix>/<id>.json`. A snapshot is uploaded in parts of
 * `partBytes` (default 8 MiB) as they fill, so memory holds one part whatever the snapshot's
 * size; one smaller than a part is a single PUT. The object appears whole when the multipart
 * upload completes, and the record is PUT after it: the commit point.
 *
 * @module
 */
import {
  BackupNotFoundError,
  type BackupObject,
  type BackupStore,
  type BackupUpload,
} from "./store.ts";
import { type BackupRecord, checkBackupId, newestFirst, parseBackupRecord } from "./record.ts";
import { S3Client, type S3ClientOptions, S3Error, type UploadedPart } from "./s3_client.ts";

/** Options of {@linkcode S3BackupStore}. */
export interface S3StoreOptions extends S3ClientOptions {
  /** Key prefix without leading or trailing `/` (may be empty). */
  prefix: string;
  /** Part size of multipart uploads; default 8 MiB (S3's minimum is 5 MiB). */
  partBytes?: number;
  /** The URL shown for the store; default `s3://<bucket>/<prefix>`. */
  url?: string;
}

/** The smallest part S3 accepts (but the last). */
export const MIN_PART_BYTES = 5 * 1024 * 1024;

class S3Upload implements BackupUpload {
  readonly #s3: S3Client;
  readonly #key: string;
  readonly #recordKey: string;
  readonly #partBytes: number;
  #buf: Uint8Array;
  #fill = 0;
  #uploadId: string | undefined;
  #parts: UploadedPart[] = [];
  #done = false;

  constructor(s3: S3Client, key: string, recordKey: string, partBytes: number) {
    this.#s3 = s3;
    this.#key = key;
    this.#recordKey = recordKey;
    this.#partBytes = partBytes;
    this.#buf = new Uint8Array(partBytes);
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.#done) throw new Error(`Upload of ${this.#key} is already finished`);
    let at = 0;
    while (at < chunk.length) {
      const n = Math.min(chunk.length - at, this.#partBytes - this.#fill);
      this.#buf.set(chunk.subarray(at, at + n), this.#fill);
      this.#fill += n;
      at += n;
      if (this.#fill === this.#partBytes) await this.#flushPart();
    }
  }

  async #flushPart(): Promise<void> {
    this.#uploadId ??= await this.#s3.createMultipart(this.#key);
    const part = await this.#s3.uploadPart(
      this.#key,
      this.#uploadId,
      this.#parts.length + 1,
      this.#buf.subarray(0, this.#fill),
    );
    this.#parts.push(part);
    this.#fill = 0;
  }

  async commit(record: BackupRecord): Promise<void> {
    if (this.#done) throw new Error(`Upload of ${this.#key} is already finished`);
    if (this.#uploadId === undefined) {
      await this.#s3.put(this.#key, this.#buf.slice(0, this.#fill));
    } else {
      if (this.#fill > 0) await this.#flushPart();
      await this.#s3.completeMultipart(this.#key, this.#uploadId, this.#parts);
    }
    this.#done = true;
    this.#buf = new Uint8Array(0);
    const json = new TextEncoder().encode(JSON.stringify(record, null, 2) + "\n");
    await this.#s3.put(this.#recordKey, json, "application/json");
  }

  async abort(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    this.#buf = new Uint8Array(0);
    if (this.#uploadId !== undefined) {
      await this.#s3.abortMultipart(this.#key, this.#uploadId).catch(() => {});
    }
  }
}

/** Backups in an S3 bucket (see the module doc). */
export class S3BackupStore implements BackupStore {
  readonly url: string;
  readonly #s3: S3Client;
  readonly #prefix: string;
  readonly #partBytes: number;

  /**
   * @throws {RangeError} naming `partBytes` when it is below S3's 5 MiB minimum.
   * @throws {TypeError} naming a bad endpoint.
   */
  constructor(options: S3StoreOptions) {
    this.#partBytes = options.partBytes ?? 8 * 1024 * 1024;
    if (!(this.#partBytes >= MIN_PART_BYTES)) {
      throw new RangeError(
        `Cannot use S3 part size ${this.#partBytes}: at least ${MIN_PART_BYTES}`,
      );
    }
    this.#s3 = new S3Client(options);
    this.#prefix = options.prefix === "" ? "" : `${options.prefix}/`;
    this.url = options.url ?? `s3://${options.bucket}/${options.prefix}`;
  }

  #key(id: string, ext: "db" | "json"): string {
    return `${this.#prefix}${checkBackupId(id)}.${ext}`;
  }

  // deno-lint-ignore require-await
  async create(id: string): Promise<BackupUpload> {
    return new S3Upload(this.#s3, this.#key(id, "db"), this.#key(id, "json"), this.#partBytes);
  }

  async list(): Promise<BackupRecord[]> {
    const keys = await this.#s3.list(this.#prefix);
    const records: BackupRecord[] = [];
    for (const key of keys) {
      const name = key.slice(this.#prefix.length);
      if (!/^[^/]+\.json$/.test(name)) continue;
      let text: string;
      try {
        text = await this.#s3.getText(key);
      } catch (e) {
        if (e instanceof S3Error && e.status === 404) continue; // removed meanwhile
        throw e;
      }
      records.push(parseBackupRecord(text, `${this.url}/${name}`));
    }
    return newestFirst(records);
  }

  async open(id: string): Promise<BackupObject> {
    try {
      await this.#s3.getText(this.#key(id, "json"));
      return await this.#s3.get(this.#key(id, "db"));
    } catch (e) {
      if (e instanceof S3Error && e.status === 404) throw new BackupNotFoundError(id, this.url);
      throw e;
    }
  }

  async remove(id: string): Promise<void> {
    await this.#s3.delete(this.#key(id, "json"));
    await this.#s3.delete(this.#key(id, "db"));
  }
}
