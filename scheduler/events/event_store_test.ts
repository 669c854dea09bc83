import assert from "node:assert/strict";
import { ZkClient } from "../../lib/zk/client.ts";
import { startZooKeeper } from "../../lib/zk/testing/zookeeper_server.ts";
import { EventLog } from "./event_log.ts";
import { createZkEventStore, decodeEvents, encodeEvents, eventsNode } from "./event_store.ts";

Deno.test("eventsNode() is <chroot>/<name>_events and refuses odd names", () => {
  assert.equal(eventsNode("/etcd-mesos", "etcd"), "/etcd-mesos/etcd_events");
  assert.equal(eventsNode("/", "etcd"), "/etcd_events");
  assert.throws(() => eventsNode("/x", "a/b"), /"a\/b"/);
});

Deno.test("decodeEvents() reads what encodeEvents() wrote and names a bad document", () => {
  const events = [{
    seq: 1,
    at: 0,
    time: "1970-01-01T00:00:00.000Z",
    kind: "kill" as const,
    reason: "r",
    fields: { a: 1 },
  }];
  assert.deepEqual(decodeEvents(encodeEvents(events), "/n"), events);
  assert.deepEqual(
    decodeEvents('{"events":[{"seq":"x"},{"seq":2,"at":5,"kind":"add","reason":"q"}]}', "/n"),
    [
      { seq: 2, at: 5, time: "1970-01-01T00:00:00.005Z", kind: "add", reason: "q", fields: {} },
    ],
  );
  assert.throws(() => decodeEvents("garbage", "/etcd_events"), /\/etcd_events holds "garbage"/);
});

Deno.test("the audit trail survives a scheduler restart in ZooKeeper, and the old leader cannot overwrite it", async () => {
  const zk = await startZooKeeper();
  const url = `zk://${zk.url}/etcd-mesos`;
  const first = createZkEventStore({ zk: url, frameworkName: "etcd" });
  const second = createZkEventStore({ zk: url, frameworkName: "etcd" });
  const raw = await ZkClient.connect(zk.url);
  try {
    const a = new EventLog({ store: first, flushMs: 20 });
    assert.equal(await a.load(), 0);
    a.record("launch", "first member of a new 3-member cluster, on h1", { member: "etcd-1" });
    a.record("kill", "unreachable for 30s", { member: "etcd-1" });
    await a.flush();
    const stored = JSON.parse(
      new TextDecoder().decode((await raw.getData("/etcd-mesos/etcd_events")).data),
    );
    assert.equal(stored.version, 1);
    assert.equal(stored.events.length, 2);

    // A second scheduler takes over: it carries the trail on.
    const b = new EventLog({ store: second, flushMs: 20 });
    assert.equal(await b.load(), 2);
    b.record("relaunch", "replaces etcd-1, on h4");
    await b.flush();
    assert.deepEqual(b.list().map((e) => [e.seq, e.kind]), [[1, "launch"], [2, "kill"], [
      3,
      "relaunch",
    ]]);

    // The old leader, still running, writes no more.
    a.record("add", "late");
    await a.flush();
    await a.close();
    const after = JSON.parse(
      new TextDecoder().decode((await raw.getData("/etcd-mesos/etcd_events")).data),
    );
    assert.deepEqual(after.events.map((e: { kind: string }) => e.kind), [
      "launch",
      "kill",
      "relaunch",
    ]);
    await b.close();
  } finally {
    await raw.close();
    await first.close();
    await second.close();
    await zk.stop();
  }
});
