import assert from "node:assert/strict";
import { ZkClient } from "./client.ts";
import { startZooKeeper } from "./testing/zookeeper_server.ts";
import { createZnodeBlob, ZnodeBlobClosedError, ZnodeConflictError } from "./znode_blob.ts";

const text = (b: Uint8Array | undefined) =>
  b === undefined ? undefined : new TextDecoder().decode(b);

Deno.test("createZnodeBlob() refuses a node path that is not absolute", () => {
  assert.throws(() => createZnodeBlob({ zk: "zk://127.0.0.1:1/x", node: "x/y" }), /"x\/y"/);
  assert.throws(() => createZnodeBlob({ zk: "zk://127.0.0.1:1/x", node: "/x/" }), /"\/x\/"/);
});

Deno.test("ZnodeBlob creates its chroot and node, replaces its data, and notices a second writer", async () => {
  const zk = await startZooKeeper();
  const url = `zk://${zk.url}/etcd-mesos/prod`;
  const node = "/etcd-mesos/prod/etcd_events";
  const a = createZnodeBlob({ zk: url, node });
  const b = createZnodeBlob({ zk: url, node });
  const raw = await ZkClient.connect(zk.url);
  try {
    assert.equal(await a.read(), undefined);
    await a.write("one");
    await a.write("two");
    assert.equal(text((await raw.getData(node)).data), "two");
    assert.equal(text(await b.read()), "two");
    await b.write("three"); // b took over
    await assert.rejects(a.write("stale"), ZnodeConflictError);
    assert.equal(text((await raw.getData(node)).data), "three");
    assert.equal(text(await a.read()), "three"); // reading again makes a writer again
    await a.write("four");
    assert.equal(text(await b.read()), "four");
    // A fresh blob that never read writes over an existing node only after reading its version.
    const c = createZnodeBlob({ zk: url, node });
    await c.write("five");
    await c.close();
    assert.equal(text((await raw.getData(node)).data), "five");
  } finally {
    await raw.close();
    await a.close();
    await b.close();
    await zk.stop();
  }
});

Deno.test("ZnodeBlob.close() fails an operation waiting for an unreachable ZooKeeper", async () => {
  const blob = createZnodeBlob({
    zk: "zk://127.0.0.1:1/x",
    node: "/x/y",
    sessionTimeoutMs: 500,
    backoff: { minMs: 50, maxMs: 100 },
  });
  const pending = blob.write("data");
  await new Promise((r) => setTimeout(r, 300));
  await blob.close();
  await assert.rejects(pending, ZnodeBlobClosedError);
});
