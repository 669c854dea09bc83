import assert from "node:assert/strict";
import { silentLogger } from "../lib/log.ts";
import { startEtcd } from "../lib/etcd/testing/etcd_server.ts";
import { readSnapshot } from "../lib/backup/etcd_snapshot.ts";
import { restoreSnapshotInto } from "./snapshot_restore.ts";
import { createHash } from "node:crypto";

/** A real snapshot of an etcd holding key `k`, served over HTTP. */
async function servedSnapshot(): Promise<{ url: string; sha256: string; close(): Promise<void> }> {
  const etcd = await startEtcd();
  const chunks: Uint8Array[] = [];
  try {
    await (await fetch(`${etcd.clientUrl}/v3/kv/put`, {
      method: "POST",
      body: JSON.stringify({ key: btoa("k"), value: btoa("v") }),
    })).body?.cancel();
    for await (const c of readSnapshot(etcd.clientUrl)) chunks.push(c);
  } finally {
    await etcd.stop();
  }
  const bytes = new Uint8Array(await new Blob(chunks as BlobPart[]).arrayBuffer());
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => new Response(bytes),
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}/snap.db`,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    close: () => server.shutdown(),
  };
}

const member = {
  name: "etcd-1",
  peerUrl: "http://127.0.0.1:2380",
  initialCluster: "etcd-1=http://127.0.0.1:2380",
  clusterToken: "t-restored",
};

Deno.test("restoreSnapshotInto() downloads, checks and restores; the old data dir is kept aside", async () => {
  const snap = await servedSnapshot();
  const dir = await Deno.makeTempDir({ prefix: "exec-restore-" });
  try {
    await Deno.mkdir(`${dir}/etcd_data/member`, { recursive: true });
    await Deno.writeTextFile(`${dir}/etcd_data/member/old`, "old");
    await restoreSnapshotInto({
      source: { backupId: "20240102T030405006Z", url: snap.url, sha256: snap.sha256 },
      dataDir: `${dir}/etcd_data`,
      member,
    }, { workDir: dir, etcdctl: "etcdctl", logger: silentLogger });
    assert.ok(Deno.statSync(`${dir}/etcd_data/member/snap/db`).isFile);
    assert.equal(Deno.readTextFileSync(`${dir}/etcd_data.before-restore/member/old`), "old");
    assert.deepEqual(
      [...Deno.readDirSync(dir)].map((e) => e.name).sort(),
      ["etcd_data", "etcd_data.before-restore"],
      "the download is removed",
    );
  } finally {
    await snap.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("restoreSnapshotInto() refuses a snapshot whose SHA-256 differs and leaves the data dir", async () => {
  const snap = await servedSnapshot();
  const dir = await Deno.makeTempDir({ prefix: "exec-restore-" });
  try {
    await Deno.mkdir(`${dir}/etcd_data/member`, { recursive: true });
    await assert.rejects(
      () =>
        restoreSnapshotInto({
          source: { backupId: "b", url: snap.url, sha256: "0".repeat(64) },
          dataDir: `${dir}/etcd_data`,
          member,
        }, { workDir: dir, etcdctl: "etcdctl", logger: silentLogger }),
      /has SHA-256 [0-9a-f]{64}, expected 0{64}/,
    );
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["etcd_data"]);
    assert.ok(Deno.statSync(`${dir}/etcd_data/member`).isDirectory);
  } finally {
    await snap.close();
    await Deno.remove(dir, { recursive: true });
  }
});
