import assert from "node:assert/strict";
import { startEtcd } from "../etcd/testing/etcd_server.ts";
import { createTestPki } from "../tls/testing/test_pki.ts";
import { readSnapshot } from "./etcd_snapshot.ts";

Deno.test("readSnapshot() reads a snapshot from an etcd running with mutual TLS, with a client certificate", async () => {
  const dir = await Deno.makeTempDir({ prefix: "snapshot-tls-test-" });
  const pki = await createTestPki(dir);
  const server = await pki.issue("etcd0");
  const client = await pki.issue("client", { usages: ["clientAuth"] });
  const etcd = await startEtcd({ dir, tls: { server: server.paths, client } });
  try {
    let bytes = 0;
    for await (const chunk of readSnapshot(etcd.clientUrl, { tls: client })) bytes += chunk.length;
    assert.ok(bytes > 32, `only ${bytes} bytes`);
    await assert.rejects(async () => {
      for await (const _ of readSnapshot(etcd.clientUrl, { timeoutMs: 3000 })) { /* none */ }
    });
  } finally {
    await etcd.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
