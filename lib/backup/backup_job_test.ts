import assert from "node:assert/strict";
import { startEtcd } from "../etcd/testing/etcd_server.ts";
import { putKey } from "./testing/etcd_put.ts";
import { takeBackup } from "./backup_job.ts";
import { readSnapshot } from "./etcd_snapshot.ts";
import { FileBackupStore } from "./file_store.ts";
import { SnapshotIntegrityError } from "./snapshot_digest.ts";
import { sha256Hex } from "./sigv4.ts";

Deno.test("takeBackup() streams a real etcd's snapshot to the store, drills it and commits it verified", async () => {
  const etcd = await startEtcd();
  const dir = await Deno.makeTempDir({ prefix: "backup-job-" });
  try {
    for (let i = 0; i < 5; i++) await putKey(etcd.clientUrl, `k${i}`, `v${i}`);
    await putKey(etcd.clientUrl, "k0", "again"); // revision 7, 5 live keys
    const store = new FileBackupStore({ dir: `${dir}/store` });
    const record = await takeBackup({
      endpoint: etcd.clientUrl,
      store,
      scratchDir: `${dir}/scratch`,
      etcd: "/usr/bin/etcd",
      etcdctl: "etcdctl",
    });
    assert.equal(record.revision, "7");
    assert.equal(record.keys, 5);
    assert.equal(record.verified, true, record.drill_error ?? "");
    assert.ok(record.drill_ms! > 0);
    assert.equal(record.source, etcd.clientUrl);
    assert.deepEqual(await store.list(), [record]);
    const obj = await store.open(record.id);
    const bytes = new Uint8Array(await new Response(obj.body).arrayBuffer());
    assert.equal(bytes.length, record.size);
    assert.equal(await sha256Hex(bytes), record.sha256);
    assert.deepEqual([...Deno.readDirSync(`${dir}/scratch`)], [], "scratch files removed");
  } finally {
    await etcd.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("takeBackup() commits nothing when the stream fails its SHA-256 trailer", async () => {
  const etcd = await startEtcd();
  const dir = await Deno.makeTempDir({ prefix: "backup-job-" });
  try {
    await putKey(etcd.clientUrl, "a", "b");
    const corrupted = async function* () {
      let first = true;
      for await (const chunk of readSnapshot(etcd.clientUrl)) {
        const c = chunk.slice();
        if (first) c[100] = c[100]! ^ 0xff;
        first = false;
        yield c;
      }
    };
    const store = new FileBackupStore({ dir: `${dir}/store` });
    await assert.rejects(
      () =>
        takeBackup({
          endpoint: etcd.clientUrl,
          store,
          scratchDir: `${dir}/scratch`,
          etcd: "/usr/bin/etcd",
          etcdctl: "etcdctl",
          chunks: corrupted(),
        }),
      SnapshotIntegrityError,
    );
    assert.deepEqual(await store.list(), []);
    assert.deepEqual([...Deno.readDirSync(`${dir}/store`)], [], "the upload was dropped");
  } finally {
    await etcd.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("takeBackup() commits a backup whose drill fails as unverified, with the reason", async () => {
  const etcd = await startEtcd();
  const dir = await Deno.makeTempDir({ prefix: "backup-job-" });
  try {
    await putKey(etcd.clientUrl, "a", "b");
    const store = new FileBackupStore({ dir: `${dir}/store` });
    const record = await takeBackup({
      endpoint: etcd.clientUrl,
      store,
      scratchDir: `${dir}/scratch`,
      etcd: "/bin/false",
      etcdctl: "etcdctl",
    });
    assert.equal(record.verified, false);
    assert.equal(record.revision, "2");
    assert.equal(record.keys, null);
    assert.match(record.drill_error!, /restored etcd exited/);
    assert.deepEqual((await store.list()).map((r) => r.verified), [false]);
  } finally {
    await etcd.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("takeBackup() verifies the snapshot of an etcd that never held a key", async () => {
  const etcd = await startEtcd();
  const dir = await Deno.makeTempDir({ prefix: "backup-job-" });
  try {
    const record = await takeBackup({
      endpoint: etcd.clientUrl,
      store: new FileBackupStore({ dir: `${dir}/store` }),
      scratchDir: `${dir}/scratch`,
      etcd: "/usr/bin/etcd",
      etcdctl: "etcdctl",
    });
    assert.equal(record.verified, true, record.drill_error ?? "");
    assert.equal(record.revision, "0");
    assert.equal(record.keys, 0);
  } finally {
    await etcd.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
