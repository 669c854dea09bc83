import assert from "node:assert/strict";
import { memoryLogger } from "../log.ts";
import { ZkClient } from "./client.ts";
import { ZkError } from "./errors.ts";
import type { ZkWatchEvent } from "./znode.ts";
import { startZooKeeper } from "./testing/zookeeper_server.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);

function nextEvent(): { watcher: (e: ZkWatchEvent) => void; event: Promise<ZkWatchEvent> } {
  let watcher!: (e: ZkWatchEvent) => void;
  const event = new Promise<ZkWatchEvent>((resolve) => watcher = resolve);
  return { watcher, event };
}

Deno.test("ZkClient creates, reads, updates, lists and removes znodes", async () => {
  const zk = await startZooKeeper();
  const client = await ZkClient.connect(zk.url, { sessionTimeoutMs: 4000 });
  try {
    assert.equal(client.state, "connected");
    assert.match(client.sessionId, /^0x[0-9a-f]+$/);
    assert.equal(await client.mkdirp("/a/b/c"), "/a/b/c");
    assert.equal(await client.mkdirp("/a/b/c"), "/a/b/c");
    assert.equal(await client.create("/a/b/c/x", "hello"), "/a/b/c/x");
    const got = await client.getData("/a/b/c/x");
    assert.equal(text(got.data), "hello");
    assert.equal(got.stat.version, 0);
    assert.equal(got.stat.ephemeralOwner, "0x0");
    const stat = await client.setData("/a/b/c/x", new TextEncoder().encode("bye"));
    assert.equal(stat.version, 1);
    assert.equal(text((await client.getData("/a/b/c/x")).data), "bye");
    assert.deepEqual(await client.getChildren("/a/b/c"), ["x"]);
    assert.equal((await client.exists("/a/b/c/x"))?.dataLength, 3);
    assert.equal(await client.exists("/nope"), undefined);
    await client.remove("/a/b/c/x");
    assert.deepEqual(await client.getChildren("/a/b/c"), []);
    await client.removeRecursive("/a");
    assert.equal(await client.exists("/a"), undefined);
  } finally {
    await client.close();
    await zk.stop();
  }
});

Deno.test("ZkClient reports errors as ZkError with code, op and path", async () => {
  const zk = await startZooKeeper();
  const client = await ZkClient.connect(zk.url);
  try {
    await assert.rejects(() => client.getData("/missing"), (e: unknown) => {
      assert.ok(e instanceof ZkError);
      assert.equal(e.code, "NO_NODE");
      assert.equal(e.op, "getData");
      assert.equal(e.path, "/missing");
      assert.match(e.message, /"\/missing"/);
      return true;
    });
    await client.create("/dup");
    await assert.rejects(() => client.create("/dup"), { name: "ZkError", code: "NODE_EXISTS" });
    await assert.rejects(() => client.setData("/dup", "x", 7), { code: "BAD_VERSION" });
    await client.create("/dup/child");
    await assert.rejects(() => client.remove("/dup"), { code: "NOT_EMPTY" });
    await assert.rejects(() => client.getData("no-slash"), {
      name: "RangeError",
      message: /no-slash/,
    });
  } finally {
    await client.close();
    await zk.stop();
  }
  await assert.rejects(() => client.exists("/x"), { name: "ZkError", code: "CLOSED" });
});

Deno.test("ZkClient sequential ephemeral nodes vanish when their session closes", async () => {
  const zk = await startZooKeeper();
  const a = await ZkClient.connect(zk.url);
  const b = await ZkClient.connect(zk.url);
  try {
    await a.mkdirp("/mesos");
    const p1 = await a.create("/mesos/json.info_", "{}", "ephemeral_sequential");
    const p2 = await b.create("/mesos/json.info_", "{}", "ephemeral_sequential");
    assert.equal(p1, "/mesos/json.info_0000000000");
    assert.equal(p2, "/mesos/json.info_0000000001");
    assert.equal((await a.exists(p1))?.ephemeralOwner, a.sessionId);
    const { watcher, event } = nextEvent();
    assert.equal((await b.getChildren("/mesos", watcher)).length, 2);
    await a.close();
    assert.deepEqual(await event, { type: "children_changed", path: "/mesos" });
    assert.deepEqual(await b.getChildren("/mesos"), ["json.info_0000000001"]);
  } finally {
    await a.close();
    await b.close();
    await zk.stop();
  }
});

Deno.test("ZkClient data and existence watches fire once with the event", async () => {
  const zk = await startZooKeeper();
  const client = await ZkClient.connect(zk.url);
  try {
    const created = nextEvent();
    assert.equal(await client.exists("/w", created.watcher), undefined);
    await client.create("/w", "1");
    assert.deepEqual(await created.event, { type: "created", path: "/w" });
    const changed = nextEvent();
    await client.getData("/w", changed.watcher);
    await client.setData("/w", "2");
    assert.deepEqual(await changed.event, { type: "data_changed", path: "/w" });
    const deleted = nextEvent();
    await client.getData("/w", deleted.watcher);
    await client.remove("/w");
    assert.deepEqual(await deleted.event, { type: "deleted", path: "/w" });
  } finally {
    await client.close();
    await zk.stop();
  }
});

Deno.test("ZkClient with digest auth creates nodes others can read but not change", async () => {
  const zk = await startZooKeeper();
  const log = memoryLogger();
  const owner = await ZkClient.connect(zk.url, {
    auth: { user: "ops", pass: "hunter2" },
    logger: log,
  });
  const other = await ZkClient.connect(zk.url);
  try {
    await owner.mkdirp("/secure/x");
    await owner.setData("/secure/x", "mine");
    assert.equal(text((await other.getData("/secure/x")).data), "mine");
    await assert.rejects(() => other.setData("/secure/x", "theirs"), { code: "NO_AUTH" });
    await assert.rejects(() => other.create("/secure/x/y"), { code: "NO_AUTH" });
    assert.ok(!log.lines.join("\n").includes("hunter2"));
  } finally {
    await owner.close();
    await other.close();
    await zk.stop();
  }
});
