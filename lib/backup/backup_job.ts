/**
 * Taking one backup: etcd's snapshot stream goes, chunk by chunk, both to the store (an
 * upload not yet visible) and to a scratch file; its SHA-256 trailer is checked as it
 * passes; `etcdctl snapshot status` on the scratch file gives the revision; the restore
 * drill runs on it; then the backup is committed with its record (`verified`, `drill_ms`,
 * `keys`) and the scratch file removed. Memory holds a few chunks plus the store's upload
 * buffer (one S3 part), whatever the db size; disk holds one scratch copy meanwhile.
 *
 * A snapshot that fails its trailer or `snapshot status` is not committed (an error). A
 * snapshot whose drill fails is committed unverified (it may still be the best there is)
 * and the failure is in its record.
 *
 * @module
 */
import { restoreDrill } from "./drill.ts";
import { snapshotStatus } from "./etcdctl.ts";
import { readSnapshot } from "./etcd_snapshot.ts";
import type { TlsMaterial } from "../tls/files.ts";
import { backupId, type BackupRecord } from "./record.ts";
import { SnapshotDigest } from "./snapshot_digest.ts";
import { type BackupKey, Decryptor, Encryptor } from "./encryption.ts";
import type { BackupStore, BackupUpload } from "./store.ts";

/** What {@linkcode takeBackup} needs. */
export interface BackupJobOptions {
  /** Client URL of the member to snapshot. */
  endpoint: string;
  store: BackupStore;
  /** Scratch space for the snapshot copy and the drill (created when missing). */
  scratchDir: string;
  /** etcd binary for the drill. */
  etcd: string;
  /** etcdctl binary for `snapshot status` and `snapshot restore`. */
  etcdctl: string;
  /** The client's TLS identity when etcd runs with `--tls`. */
  tls?: () => TlsMaterial;
  /** The snapshot's chunks; default {@linkcode readSnapshot} of `endpoint`. */
  chunks?: AsyncIterable<Uint8Array>;
  /** Default `Date.now`. */
  now?: () => number;
  /**
   * Encrypt the stored object with this key (lib/backup/encryption.ts). The scratch copy the
   * checks and the drill use is then the decryption of exactly the bytes stored.
   */
  encryption?: BackupKey;
  /** Skip the drill (record `verified: false`, `drill_ms: null`). */
  noDrill?: boolean;
  signal?: AbortSignal;
}

/** Takes, checks, drills and commits one backup; returns its record. */
export async function takeBackup(options: BackupJobOptions): Promise<BackupRecord> {
  const now = options.now ?? Date.now;
  const began = now();
  const id = backupId(began);
  await Deno.mkdir(options.scratchDir, { recursive: true });
  const scratch = `${options.scratchDir}/${id}.db`;
  const upload = await options.store.create(id);
  let committed = false;
  try {
    const file = await Deno.open(scratch, { write: true, create: true, truncate: true });
    const digest = new SnapshotDigest();
    let stored = 0;
    try {
      const chunks = options.chunks ??
        readSnapshot(options.endpoint, {
          signal: options.signal,
          ...(options.tls ? { tls: options.tls() } : {}),
        });
      const sink = options.encryption === undefined
        ? plainSink(upload, file, digest)
        : encryptingSink(options.encryption, upload, file, digest);
      for await (const chunk of chunks) await sink.write(chunk);
      stored = await sink.finish();
    } finally {
      file.close();
    }
    const checked = digest.finish();
    const took = now() - began;
    const status = await snapshotStatus(options.etcdctl, scratch);
    const drill = options.noDrill ? undefined : await restoreDrill({
      file: scratch,
      revision: status.revision,
      etcd: options.etcd,
      etcdctl: options.etcdctl,
      scratchDir: options.scratchDir,
    });
    const record: BackupRecord = {
      id,
      time: new Date(began).toISOString(),
      revision: status.revision,
      keys: drill?.keys ?? null,
      size: checked.size,
      sha256: checked.sha256,
      verified: drill?.ok === true,
      drill_ms: drill?.ms ?? null,
      ...(drill?.error !== undefined ? { drill_error: drill.error } : {}),
      ...(options.encryption === undefined
        ? {}
        : { encrypted: true, key_id: options.encryption.id, stored_size: stored }),
      duration_ms: took,
      source: options.endpoint,
    };
    await upload.commit(record);
    committed = true;
    return record;
  } finally {
    if (!committed) await upload.abort();
    await Deno.remove(scratch).catch(() => {});
  }
}

async function writeAll(file: Deno.FsFile, chunk: Uint8Array): Promise<void> {
  let at = 0;
  while (at < chunk.length) at += await file.write(chunk.subarray(at));
}

/** Where the snapshot's chunks go: the store and the scratch copy. */
interface Sink {
  write(chunk: Uint8Array): Promise<void>;
  /** Ends the stream; returns the bytes stored. */
  finish(): Promise<number>;
}

function plainSink(upload: BackupUpload, file: Deno.FsFile, digest: SnapshotDigest): Sink {
  let stored = 0;
  return {
    write: async (chunk) => {
      digest.update(chunk);
      stored += chunk.length;
      await Promise.all([upload.write(chunk), writeAll(file, chunk)]);
    },
    finish: () => Promise.resolve(stored),
  };
}

/**
 * Encrypts to the store and decrypts what was stored into the scratch copy: the trailer
 * check, `snapshot status` and the drill then prove that the stored bytes decrypt to a
 * sound snapshot. Each holds at most one chunk.
 */
function encryptingSink(
  key: BackupKey,
  upload: BackupUpload,
  file: Deno.FsFile,
  digest: SnapshotDigest,
): Sink {
  const enc = new Encryptor(key);
  const dec = new Decryptor(key);
  let stored = 0;
  const pass = async (cipher: Uint8Array, last: boolean) => {
    stored += cipher.length;
    const plain = await dec.push(cipher);
    const tail = last ? await dec.finish() : new Uint8Array(0);
    for (const p of [plain, tail]) digest.update(p);
    await Promise.all([
      upload.write(cipher),
      writeAll(file, plain).then(() => writeAll(file, tail)),
    ]);
  };
  return {
    write: async (chunk) => {
      const cipher = await enc.push(chunk);
      if (cipher.length > 0) await pass(cipher, false);
    },
    finish: async () => {
      await pass(await enc.finish(), true);
      return stored;
    },
  };
}
