import assert from "node:assert/strict";
import { EtcdStartError, startEtcd } from "./etcd_server.ts";

Deno.test("startEtcd() runs a healthy single member on loopback and stop() removes it", async () => {
  const etcd = await startEtcd({ name: "solo" });
  let stopped = false;
  try {
    assert.match(etcd.clientUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(etcd.peerUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(etcd.clientUrl, etcd.peerUrl);
    const res = await fetch(`${etcd.clientUrl}/v3/cluster/member/list`, {
      method: "POST",
      body: "{}",
    });
    const body = await res.json();
    assert.equal(body.members.length, 1);
    assert.equal(body.members[0].name, "solo");
    assert.deepEqual(body.members[0].clientURLs, [etcd.clientUrl]);
    await etcd.stop();
    stopped = true;
    await etcd.stop(); // idempotent
    await assert.rejects(() => fetch(`${etcd.clientUrl}/health`));
    await assert.rejects(() => Deno.stat(etcd.dir), Deno.errors.NotFound);
  } finally {
    if (!stopped) await etcd.stop();
  }
});

Deno.test("startEtcd() keeps a caller's dir and two instances do not clash", async () => {
  const dir = await Deno.makeTempDir({ prefix: "etcd-own-" });
  const a = await startEtcd({ dir });
  const b = await startEtcd();
  try {
    assert.notEqual(a.clientUrl, b.clientUrl);
    assert.ok((await Deno.stat(`${dir}/data`)).isDirectory);
  } finally {
    await a.stop();
    await b.stop();
  }
  assert.ok((await Deno.stat(dir)).isDirectory);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("startEtcd() reports a binary that exits at once with its output", async () => {
  await assert.rejects(
    () => startEtcd({ binary: "/bin/sh", startTimeoutMs: 5000 }),
    (e: unknown) => {
      assert.ok(e instanceof EtcdStartError);
      assert.match(e.message, /exited during start/);
      return true;
    },
  );
});
