import assert from "node:assert/strict";
import { ZkClient } from "./client.ts";
import { createRecordStore, type RecordCodec } from "./record_store.ts";
import { startZooKeeper } from "./testing/zookeeper_server.ts";
import { ZnodeConflictError } from "./znode_blob.ts";

/** A small codec: a positive integer as decimal text, validated both ways. */
const COUNT: RecordCodec<number> = {
  encode(n) {
    if (!Number.isInteger(n) || n < 1) throw new TypeError(`Cannot store count ${n}`);
    return String(n);
  },
  decode(text, node) {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) {
      throw new TypeError(`Cannot use count ${JSON.stringify(text)} stored in ${node}`);
    }
    return n;
  },
};

const text = (b: Uint8Array) => new TextDecoder().decode(b);

Deno.test("createRecordStore() names a framework name that cannot be a node name", () => {
  assert.throws(
    () =>
      createRecordStore({
        zk: "zk://127.0.0.1:1/x",
        frameworkName: "a/b",
        suffix: "n",
        codec: COUNT,
      }),
    /"a\/b"/,
  );
});

Deno.test("RecordStore keeps a typed record at <chroot>/<name>_<suffix>: encode, decode, validation, clear", async () => {
  const zk = await startZooKeeper();
  const zkUrl = `zk://${zk.url}/etcd-mesos/prod`;
  const store = createRecordStore({
    zk: zkUrl,
    frameworkName: "etcd",
    suffix: "count",
    codec: COUNT,
  });
  const raw = await ZkClient.connect(zk.url);
  try {
    assert.equal(store.node, "/etcd-mesos/prod/etcd_count");
    assert.equal(await store.load(), undefined);
    await store.save(3);
    assert.equal(
      text((await raw.getData(store.node)).data),
      "3",
      "the node's format is the codec's",
    );
    await assert.rejects(store.save(0), /Cannot store count 0/);
    assert.equal(text((await raw.getData(store.node)).data), "3", "nothing written");
    // Another instance (a restarted scheduler) reads it.
    const next = createRecordStore({
      zk: zkUrl,
      frameworkName: "etcd",
      suffix: "count",
      codec: COUNT,
    });
    assert.equal(await next.load(), 3);
    await next.close();
    await raw.setData(store.node, "many");
    await assert.rejects(store.load(), /"many" stored in \/etcd-mesos\/prod\/etcd_count/);
    assert.equal(text((await raw.getData(store.node)).data), "many", "garbage left untouched");
    assert.equal(await store.clear(), true);
    assert.equal(await raw.exists(store.node), undefined);
    assert.equal(await store.clear(), false, "absent is fine");
    await store.save(4);
    assert.equal(await store.load(), 4);
  } finally {
    await raw.close();
    await store.close();
    await zk.stop();
  }
});

Deno.test("RecordStore notices a second writer, unless the last writer wins (overwrite)", async () => {
  const zk = await startZooKeeper();
  const zkUrl = `zk://${zk.url}/r`;
  const open = (overwrite: boolean) =>
    createRecordStore({
      zk: zkUrl,
      frameworkName: "etcd",
      suffix: "count",
      codec: COUNT,
      overwrite,
    });
  const [a, b, c, d] = [open(false), open(false), open(true), open(true)];
  try {
    await a.save(1);
    assert.equal(await b.load(), 1);
    await b.save(2);
    await assert.rejects(a.save(3), ZnodeConflictError);
    await c.save(5);
    await d.save(6);
    await c.save(7);
    assert.equal(await d.load(), 7);
  } finally {
    for (const s of [a, b, c, d]) await s.close();
    await zk.stop();
  }
});
