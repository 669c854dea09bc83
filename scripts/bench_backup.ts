/**
 * `deno run -A scripts/bench_backup.ts [--mb 200] [--s3] [--crypto-only]`: backup and restore
 * figures for a database of about `--mb` MB (a real etcd filled with 1 MiB values). Printed,
 * not part of the tests:
 * - backup encryption MB/s (lib/backup/encryption.ts, AES-256-GCM in 1 MiB chunks, fed in
 *   etcd's 32 KiB messages), encrypting and decrypting `--mb` MB in memory, one core;
 *   `--crypto-only` stops after it;
 * - snapshot MB/s: etcd's Maintenance.Snapshot streamed to a file store (and, with `--s3`,
 *   to an S3 store on a local s3rver: multipart), trailer checked, with the extra RSS of
 *   this process while it streams (peak minus the RSS just before);
 * - the same snapshot encrypted (`--backup-encryption-key-file`): stored ciphertext, the
 *   scratch copy decrypted from it, with the extra RSS;
 * - the restore drill (etcdctl snapshot restore + etcd started + checked + stopped);
 * - an executor's restore (download from an HTTP server + SHA-256 + etcdctl snapshot
 *   restore into a data dir), and etcd's start on it.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { Buffer } from "node:buffer";
import { Etcd3 } from "etcd3";
import { takeBackup } from "../lib/backup/backup_job.ts";
import { type BackupKey, Decryptor, Encryptor, importBackupKey } from "../lib/backup/encryption.ts";
import { FileBackupStore } from "../lib/backup/file_store.ts";
import { S3BackupStore } from "../lib/backup/s3_store.ts";
import type { BackupStore } from "../lib/backup/store.ts";
import { S3RVER_CREDENTIALS, startS3Server } from "../lib/backup/testing/s3_server.ts";
import { startEtcd } from "../lib/etcd/testing/etcd_server.ts";
import { silentLogger } from "../lib/log.ts";
import { restoreSnapshotInto } from "../executor/snapshot_restore.ts";

const write = (text: string) => Deno.stdout.writeSync(new TextEncoder().encode(text + "\n"));
const MB = 1024 * 1024;
const { values } = parseArgs({
  args: Deno.args,
  options: {
    mb: { type: "string", default: "200" },
    s3: { type: "boolean", default: false },
    "crypto-only": { type: "boolean", default: false },
  },
});
const targetMb = Number(values.mb);

async function fill(endpoint: string, mb: number): Promise<void> {
  const client = new Etcd3({ hosts: [endpoint.replace("http://", "")] });
  const value = Buffer.alloc(MB);
  try {
    for (let i = 0; i < mb; i++) {
      crypto.getRandomValues(value.subarray(0, 65536));
      await client.put(`bench/${String(i).padStart(5, "0")}`).value(value);
    }
  } finally {
    client.close();
  }
}

/** Runs `fn` while sampling this process' RSS; returns its result and the peak extra RSS. */
async function withRss<T>(fn: () => Promise<T>): Promise<{ value: T; extraMb: number }> {
  const base = Deno.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => peak = Math.max(peak, Deno.memoryUsage().rss), 20);
  try {
    const value = await fn();
    peak = Math.max(peak, Deno.memoryUsage().rss);
    return { value, extraMb: (peak - base) / MB };
  } finally {
    clearInterval(timer);
  }
}

async function backupTo(
  label: string,
  store: BackupStore,
  endpoint: string,
  scratch: string,
  encryption?: BackupKey,
) {
  const { value: r, extraMb } = await withRss(() =>
    takeBackup({
      endpoint,
      store,
      scratchDir: scratch,
      etcd: "/usr/bin/etcd",
      etcdctl: "etcdctl",
      ...(encryption ? { encryption } : {}),
    })
  );
  const mb = r.size / MB;
  write(
    `${label}: ${mb.toFixed(1)} MB in ${(r.duration_ms / 1000).toFixed(2)} s = ${
      (mb / (r.duration_ms / 1000)).toFixed(1)
    } MB/s; extra RSS ${extraMb.toFixed(1)} MB; drill ${
      ((r.drill_ms ?? 0) / 1000).toFixed(2)
    } s (verified ${r.verified}, ${r.keys} keys, revision ${r.revision})`,
  );
  return r;
}

/** Encrypts then decrypts `mb` MB fed in 32 KiB pieces; prints MB/s of each. */
async function cryptoThroughput(key: BackupKey, mb: number): Promise<void> {
  const piece = new Uint8Array(32 * 1024);
  crypto.getRandomValues(piece);
  const pieces = (mb * MB) / piece.length;
  const enc = new Encryptor(key);
  const sealed: Uint8Array[] = [];
  let t = performance.now();
  for (let i = 0; i < pieces; i++) {
    const c = await enc.push(piece);
    if (c.length > 0) sealed.push(c);
  }
  sealed.push(await enc.finish());
  const encS = (performance.now() - t) / 1000;
  const dec = new Decryptor(key);
  t = performance.now();
  let plain = 0;
  for (const c of sealed) plain += (await dec.push(c)).length;
  plain += (await dec.finish()).length;
  const decS = (performance.now() - t) / 1000;
  if (plain !== mb * MB) throw new Error(`decrypted ${plain} bytes, expected ${mb * MB}`);
  write(
    `encryption (AES-256-GCM, 1 MiB chunks, in memory) of ${mb} MB: encrypt ${
      (mb / encS).toFixed(0)
    } MB/s, decrypt ${(mb / decS).toFixed(0)} MB/s`,
  );
}

const benchKey = await importBackupKey(crypto.getRandomValues(new Uint8Array(32)));
await cryptoThroughput(benchKey, Math.min(targetMb, 512));
if (values["crypto-only"]) Deno.exit(0);

const dir = await Deno.makeTempDir({ prefix: "bench-backup-" });
await Deno.mkdir(`${dir}/etcd`);
const etcd = await startEtcd({ dir: `${dir}/etcd`, startTimeoutMs: 60_000 });
try {
  write(`cores: ${navigator.hardwareConcurrency}; filling etcd with ~${targetMb} MB…`);
  const t0 = performance.now();
  await fill(etcd.clientUrl, targetMb);
  write(`filled in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  // Warm-up: the first etcd3 connection loads protobufs (not part of the figure).
  const warm = new FileBackupStore({ dir: `${dir}/warm` });
  const w = await takeBackup({
    endpoint: etcd.clientUrl,
    store: warm,
    scratchDir: `${dir}/scratch`,
    etcd: "/usr/bin/etcd",
    etcdctl: "etcdctl",
    noDrill: true,
  });
  await warm.remove(w.id);
  const store = new FileBackupStore({ dir: `${dir}/store` });
  const r = await backupTo("snapshot → file store", store, etcd.clientUrl, `${dir}/scratch`);
  const encrypted = new FileBackupStore({ dir: `${dir}/encrypted` });
  const e = await backupTo(
    "snapshot → file store, encrypted",
    encrypted,
    etcd.clientUrl,
    `${dir}/scratch`,
    benchKey,
  );
  await encrypted.remove(e.id);
  if (values.s3) {
    const s3 = await startS3Server(["bench"]);
    try {
      const s3store = new S3BackupStore({
        endpoint: s3.endpoint,
        region: "us-east-1",
        bucket: "bench",
        prefix: "b",
        credentials: S3RVER_CREDENTIALS,
      });
      await backupTo(
        "snapshot → S3 store (s3rver, 8 MiB parts)",
        s3store,
        etcd.clientUrl,
        `${dir}/scratch`,
      );
    } finally {
      await s3.stop();
    }
  }
  // An executor's restore: download from the scheduler, check, etcdctl snapshot restore.
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async () => {
    const obj = await store.open(r.id);
    return new Response(obj.body, { headers: { "content-length": String(obj.size) } });
  });
  try {
    const t1 = performance.now();
    await restoreSnapshotInto({
      source: {
        backupId: r.id,
        url: `http://127.0.0.1:${server.addr.port}/b.db`,
        sha256: r.sha256,
      },
      dataDir: `${dir}/restored/etcd_data`,
      member: {
        name: "m",
        peerUrl: "http://127.0.0.1:2380",
        initialCluster: "m=http://127.0.0.1:2380",
        clusterToken: "bench",
      },
    }, { workDir: `${dir}`, etcdctl: "etcdctl", logger: silentLogger });
    write(
      `executor restore (download + SHA-256 + etcdctl snapshot restore) of ${
        (r.size / MB).toFixed(1)
      } MB: ${((performance.now() - t1) / 1000).toFixed(2)} s`,
    );
  } finally {
    await server.shutdown();
  }
} finally {
  await etcd.stop();
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}
