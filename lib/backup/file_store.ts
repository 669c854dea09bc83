/**
 * A {@linkcode BackupStore} in a local (or mounted) directory: `<dir>/<id>.db` and
 * `<dir>/<id>.json`. Each file is written as `.tmp-<name>`, fsynced and renamed into place,
 * and the directory is fsynced after the rename, so a crash leaves whole files only; the
 * record is renamed last (the commit point).
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

/** Options of {@linkcode FileBackupStore}. */
export interface FileStoreOptions {
  /** The directory; created when missing. */
  dir: string;
  /** The URL shown for it; default `file://<dir>`. */
  url?: string;
}

/** fsyncs a directory so a rename in it is durable (best effort where unsupported). */
async function syncDir(dir: string): Promise<void> {
  try {
    const d = await Deno.open(dir, { read: true });
    try {
      await d.sync();
    } finally {
      d.close();
    }
  } catch {
    // some filesystems cannot open or fsync a directory
  }
}

/** Writes `bytes` to `path` atomically: temp file, fsync, rename, fsync of the dir. */
async function writeAtomic(dir: string, name: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${dir}/.tmp-${name}`;
  const f = await Deno.open(tmp, { write: true, create: true, truncate: true });
  try {
    let at = 0;
    while (at < bytes.length) at += await f.write(bytes.subarray(at));
    await f.sync();
  } finally {
    f.close();
  }
  await Deno.rename(tmp, `${dir}/${name}`);
  await syncDir(dir);
}

class FileUpload implements BackupUpload {
  readonly #dir: string;
  readonly #id: string;
  readonly #tmp: string;
  #file: Deno.FsFile | undefined;
  #done = false;

  constructor(dir: string, id: string, file: Deno.FsFile) {
    this.#dir = dir;
    this.#id = id;
    this.#tmp = `${dir}/.tmp-${id}.db`;
    this.#file = file;
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.#file === undefined) throw new Error(`Backup ${this.#id} is already finished`);
    let at = 0;
    while (at < chunk.length) at += await this.#file.write(chunk.subarray(at));
  }

  async commit(record: BackupRecord): Promise<void> {
    if (record.id !== this.#id) {
      throw new TypeError(`Cannot commit record ${record.id} as backup ${this.#id}`);
    }
    const f = this.#file;
    if (f === undefined) throw new Error(`Backup ${this.#id} is already finished`);
    this.#file = undefined;
    try {
      await f.sync();
    } finally {
      f.close();
    }
    await Deno.rename(this.#tmp, `${this.#dir}/${this.#id}.db`);
    await syncDir(this.#dir);
    const json = new TextEncoder().encode(JSON.stringify(record, null, 2) + "\n");
    await writeAtomic(this.#dir, `${this.#id}.json`, json);
    this.#done = true;
  }

  async abort(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    try {
      this.#file?.close();
    } catch {
      // already closed
    }
    this.#file = undefined;
    await Deno.remove(this.#tmp).catch(() => {});
  }
}

/** Backups in a directory (see the module doc). */
export class FileBackupStore implements BackupStore {
  readonly url: string;
  readonly #dir: string;

  /** A store in `options.dir` (created on first write). */
  constructor(options: FileStoreOptions) {
    this.#dir = options.dir;
    this.url = options.url ?? `file://${options.dir}`;
  }

  async create(id: string): Promise<BackupUpload> {
    checkBackupId(id);
    await Deno.mkdir(this.#dir, { recursive: true });
    const file = await Deno.open(`${this.#dir}/.tmp-${id}.db`, {
      write: true,
      create: true,
      truncate: true,
    });
    return new FileUpload(this.#dir, id, file);
  }

  async list(): Promise<BackupRecord[]> {
    const out: BackupRecord[] = [];
    try {
      for await (const e of Deno.readDir(this.#dir)) {
        if (!e.isFile || !e.name.endsWith(".json") || e.name.startsWith(".")) continue;
        const path = `${this.#dir}/${e.name}`;
        out.push(parseBackupRecord(await Deno.readTextFile(path), path));
      }
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return [];
      throw e;
    }
    return newestFirst(out);
  }

  async open(id: string): Promise<BackupObject> {
    checkBackupId(id);
    try {
      await Deno.stat(`${this.#dir}/${id}.json`);
      const f = await Deno.open(`${this.#dir}/${id}.db`, { read: true });
      const { size } = await f.stat();
      return { size, body: f.readable };
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) throw new BackupNotFoundError(id, this.url);
      throw e;
    }
  }

  async remove(id: string): Promise<void> {
    checkBackupId(id);
    await Deno.remove(`${this.#dir}/${id}.json`).catch(ignoreNotFound);
    await syncDir(this.#dir);
    await Deno.remove(`${this.#dir}/${id}.db`).catch(ignoreNotFound);
  }
}

function ignoreNotFound(e: unknown): void {
  if (!(e instanceof Deno.errors.NotFound)) throw e;
}
