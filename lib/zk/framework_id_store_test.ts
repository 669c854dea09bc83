import assert from "node:assert/strict";
import { ZkClient } from "./client.ts";
import {
  createFrameworkIdStore,
  FrameworkIdError,
  frameworkIdNode,
  FrameworkIdStoreClosedError,
  isPlausibleFrameworkId,
} from "./framework_id_store.ts";
import { startZooKeeper } from "./testing/zookeeper_server.ts";
import { holdPort } from "./testing/held_port.ts";

const ID = "6f1c2a9e-5d3b-4c1e-9a7f-0b8e2d4c6a10-0000";
const text = (b: Uint8Array) => new TextDecoder().decode(b);

Deno.test("frameworkIdNode() is <chroot>/<name>_framework_id and rejects odd names", () => {
  assert.equal(frameworkIdNode("/etcd-mesos", "etcd"), "/etcd-mesos/etcd_framework_id");
  assert.equal(frameworkIdNode("/a/b", "prod.etcd"), "/a/b/prod.etcd_framework_id");
  assert.throws(() => frameworkIdNode("/x", "a/b"), /"a\/b"/);
});

Deno.test("isPlausibleFrameworkId() accepts Mesos ids and rejects garbage", () => {
  assert.ok(isPlausibleFrameworkId(ID));
  assert.ok(isPlausibleFrameworkId("20150915-221305-16842879-5050-11233-0001"));
  for (const bad of ["", "hello", "-0000", "a/b-0000", "id-12", "x\n-0000", "a".repeat(300)]) {
    assert.equal(isPlausibleFrameworkId(bad), false, JSON.stringify(bad));
  }
});

Deno.test("FrameworkIdStore saves, loads, overwrites and clears the raw id in its node", async () => {
  const zk = await startZooKeeper();
  const store = createFrameworkIdStore({
    zk: `zk://${zk.url}/etcd-mesos/prod`,
    frameworkName: "etcd",
  });
  const raw = await ZkClient.connect(zk.url);
  try {
    assert.equal(store.node, "/etcd-mesos/prod/etcd_framework_id");
    assert.equal(await store.load(), undefined);
    await store.save(ID);
    assert.equal(text((await raw.getData(store.node)).data), ID);
    assert.equal(await store.load(), ID);
    const next = ID.replace(/0000$/, "0001");
    await store.save(next);
    assert.equal(await store.load(), next);
    await store.clear();
    assert.equal(await raw.exists(store.node), undefined);
    await store.clear(); // absent is fine
    assert.equal(await store.load(), undefined);
    await assert.rejects(() => store.save("not an id"), /"not an id"/);
  } finally {
    await raw.close();
    await store.close();
    await zk.stop();
  }
});

Deno.test("FrameworkIdStore.load() names the node and the garbage and destroys nothing", async () => {
  const zk = await startZooKeeper();
  const raw = await ZkClient.connect(zk.url);
  const store = createFrameworkIdStore({ zk: `zk://${zk.url}/fw`, frameworkName: "etcd" });
  try {
    await raw.mkdirp("/fw");
    await raw.create("/fw/etcd_framework_id", "garbage!");
    await assert.rejects(() => store.load(), (e: unknown) => {
      assert.ok(e instanceof FrameworkIdError);
      assert.equal(e.node, "/fw/etcd_framework_id");
      assert.equal(e.value, "garbage!");
      assert.match(e.message, /\/fw\/etcd_framework_id.*"garbage!"/);
      return true;
    });
    assert.equal(text((await raw.getData("/fw/etcd_framework_id")).data), "garbage!");
  } finally {
    await raw.close();
    await store.close();
    await zk.stop();
  }
});

Deno.test("FrameworkIdStore.save() retries until ZooKeeper comes up, without blocking", async () => {
  const held = holdPort();
  const port = held.port;
  const store = createFrameworkIdStore({
    zk: `zk://127.0.0.1:${port}/etcd-mesos`,
    frameworkName: "etcd",
    sessionTimeoutMs: 1000,
    backoff: { minMs: 100, maxMs: 500 },
  });
  let saved = false;
  const saving = store.save(ID).then(() => saved = true);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(saved, false, "saved while ZooKeeper was down");
  const zk = await startZooKeeper();
  held.forwardTo(zk.port);
  try {
    await saving;
    assert.equal(saved, true);
    assert.equal(await store.load(), ID);
  } finally {
    await store.close();
    await zk.stop();
    await held.release();
  }
});

Deno.test("FrameworkIdStore.close() rejects an operation still waiting for ZooKeeper", async () => {
  const held = holdPort();
  const store = createFrameworkIdStore({
    zk: `zk://127.0.0.1:${held.port}/etcd-mesos`,
    frameworkName: "etcd",
    sessionTimeoutMs: 500,
    backoff: { minMs: 100, maxMs: 200 },
  });
  const loading = store.load();
  await new Promise((r) => setTimeout(r, 300));
  await store.close();
  await assert.rejects(loading, FrameworkIdStoreClosedError);
  await assert.rejects(() => store.load(), FrameworkIdStoreClosedError);
  await held.release();
});
