import assert from "node:assert/strict";
import { EtcdGateway } from "../etcd/gateway.ts";
import { toBase64 } from "../etcd/gateway_json.ts";
import { normalizeEndpoint } from "../etcd/endpoints.ts";
import { startEtcd } from "../etcd/testing/etcd_server.ts";
import { readSnapshot, SnapshotTransferError } from "./etcd_snapshot.ts";
import { SnapshotDigest } from "./snapshot_digest.ts";
import { freePort } from "../free_ports.ts";

Deno.test("readSnapshot() streams a snapshot of many chunks over the gateway; its trailer checks", async () => {
  const etcd = await startEtcd();
  const gateway = new EtcdGateway(normalizeEndpoint(etcd.clientUrl));
  try {
    const value = toBase64("v".repeat(100_000));
    for (let i = 0; i < 10; i++) {
      await gateway.post("kv/put", { key: toBase64(`k${i}`), value }, {
        deadline: Date.now() + 5000,
      });
    }
    const digest = new SnapshotDigest();
    let chunks = 0;
    for await (const chunk of readSnapshot(etcd.clientUrl)) {
      digest.update(chunk);
      chunks++;
    }
    const { size } = digest.finish();
    assert.ok(size > 1_000_000, `only ${size} bytes`);
    assert.ok(chunks > 10, `only ${chunks} chunks`);
  } finally {
    gateway.close();
    await etcd.stop();
  }
});

Deno.test("readSnapshot() fails naming the member: refused, or aborted mid-stream", async () => {
  const dead = `http://127.0.0.1:${freePort()}`;
  await assert.rejects(
    async () => {
      for await (const _ of readSnapshot(dead)) { /* none */ }
    },
    (e: unknown) => e instanceof SnapshotTransferError && e.endpoint === dead,
  );
  const etcd = await startEtcd();
  try {
    const abort = new AbortController();
    await assert.rejects(
      async () => {
        for await (const _ of readSnapshot(etcd.clientUrl, { signal: abort.signal })) {
          abort.abort(new Error("stop here"));
        }
      },
      (e: unknown) => e instanceof SnapshotTransferError && /stop here/.test(e.message),
    );
  } finally {
    await etcd.stop();
  }
});
