import assert from "node:assert/strict";
import { memoryLogger } from "../log.ts";
import { ZkClient } from "./client.ts";
import type { ZkConnectOptions } from "./session.ts";
import {
  contendersInOrder,
  createLeaderLock,
  type LeaderLock,
  LeaderLockClosedError,
  leaderLockNode,
  type LeaderLockStatus,
} from "./leader_lock.ts";
import { expireSession, startZooKeeper } from "./testing/zookeeper_server.ts";
import { holdPort } from "./testing/held_port.ts";

/** Resolves with the first status `want` accepts (now or later); fails after `ms`. */
function statusWhere(
  lock: LeaderLock,
  want: (s: LeaderLockStatus) => boolean,
  ms = 10_000,
): Promise<LeaderLockStatus> {
  return new Promise((resolve, reject) => {
    if (want(lock.status)) return resolve(lock.status);
    const timer = setTimeout(() => {
      off();
      reject(
        new Error(
          `${lock.id}: no wanted status within ${ms} ms, last ${JSON.stringify(lock.status)}`,
        ),
      );
    }, ms);
    const off = lock.onChange((s) => {
      if (!want(s)) return;
      clearTimeout(timer);
      off();
      resolve(s);
    });
  });
}

/** A `connect` that remembers the sessions it opened. */
function recordingConnect(sessions: ZkClient[]) {
  return async (servers: string, options: ZkConnectOptions) => {
    const c = await ZkClient.connect(servers, options);
    sessions.push(c);
    return c;
  };
}

Deno.test("leaderLockNode() is <chroot>/<name>_leader and rejects odd names", () => {
  assert.equal(leaderLockNode("/etcd-mesos", "etcd"), "/etcd-mesos/etcd_leader");
  assert.equal(leaderLockNode("/", "etcd"), "/etcd_leader");
  assert.throws(() => leaderLockNode("/x", "a/b"), /"a\/b"/);
  assert.throws(
    () => createLeaderLock({ zk: "zk://127.0.0.1:1/x", frameworkName: "etcd", id: "" }),
    /id ""/,
  );
});

Deno.test("contendersInOrder() sorts by sequence number, not by uuid, and skips strangers", () => {
  const a = "lock-ffff-0000000010";
  const b = "lock-0000-0000000002";
  const c = "lock-abcd-0000000009";
  assert.deepEqual(contendersInOrder([a, "other", b, c, "lock-x"]), [b, c, a]);
});

Deno.test("LeaderLock: the first contender holds, the second stands by naming it, and takes over on release", async () => {
  const zk = await startZooKeeper();
  const url = `zk://${zk.url}/etcd-mesos`;
  const logger = memoryLogger();
  const a = createLeaderLock({ zk: url, frameworkName: "etcd", id: "host-a:1", logger });
  const b = createLeaderLock({ zk: url, frameworkName: "etcd", id: "host-b:2" });
  const raw = await ZkClient.connect(zk.url);
  try {
    await a.acquire();
    assert.deepEqual(a.status, { held: true, leader: "host-a:1" });
    const bHeld = b.acquire();
    assert.deepEqual(await statusWhere(b, (s) => s.leader !== undefined), {
      held: false,
      leader: "host-a:1",
    });
    const children = await raw.getChildren("/etcd-mesos/etcd_leader");
    assert.equal(children.length, 2);
    for (const c of children) {
      const { data, stat } = await raw.getData(`/etcd-mesos/etcd_leader/${c}`);
      assert.match(c, /^lock-[0-9a-f-]+-[0-9]{10}$/);
      assert.notEqual(stat.ephemeralOwner, "0x0", "ephemeral");
      assert.ok(["host-a:1", "host-b:2"].includes(new TextDecoder().decode(data)));
    }
    const released = Date.now();
    await a.close();
    await bHeld;
    const tookMs = Date.now() - released;
    assert.ok(tookMs < 2000, `took over in ${tookMs} ms after a clean release`);
    assert.deepEqual(b.status, { held: true, leader: "host-b:2" });
    assert.deepEqual(a.status, { held: false });
    assert.equal((await raw.getChildren("/etcd-mesos/etcd_leader")).length, 1);
    const said = logger.records.map((r) => r.msg);
    assert.ok(said.includes("leader lock released"), said.join("; "));
    assert.ok(!said.includes("leader lock lost"), "a release is not a loss");
  } finally {
    await raw.close();
    await a.close();
    await b.close();
    await zk.stop();
  }
});

Deno.test("LeaderLock: a holder whose session expires loses the lock to the standby and stands by", async () => {
  const zk = await startZooKeeper();
  const url = `zk://${zk.url}/fw`;
  const sessions: ZkClient[] = [];
  const a = createLeaderLock({
    zk: url,
    frameworkName: "etcd",
    id: "a",
    connect: recordingConnect(sessions),
  });
  const b = createLeaderLock({ zk: url, frameworkName: "etcd", id: "b" });
  const seenByA: LeaderLockStatus[] = [];
  a.onChange((s) => seenByA.push(s));
  try {
    await a.acquire();
    const bHeld = b.acquire();
    await statusWhere(b, (s) => s.leader === "a");
    await expireSession(zk, sessions[0]!);
    await bHeld;
    assert.deepEqual(b.status, { held: true, leader: "b" });
    await statusWhere(a, (s) => !s.held && s.leader === "b");
    assert.deepEqual(seenByA[0], { held: true, leader: "a" });
    assert.ok(seenByA.some((s) => !s.held), "a saw the loss");
    assert.equal(sessions.length, 2, "a contends again with a new session");
  } finally {
    await a.close();
    await b.close();
    await zk.stop();
  }
});

Deno.test("LeaderLock: a session expiry with nobody waiting wins the lock back", async () => {
  const zk = await startZooKeeper();
  const sessions: ZkClient[] = [];
  const a = createLeaderLock({
    zk: `zk://${zk.url}/fw`,
    frameworkName: "etcd",
    id: "a",
    connect: recordingConnect(sessions),
  });
  const seen: boolean[] = [];
  a.onChange((s) => seen.push(s.held));
  try {
    await a.acquire();
    await expireSession(zk, sessions[0]!);
    await statusWhere(a, (s) => s.held && sessions.length === 2);
    assert.deepEqual(seen, [true, false, true]);
  } finally {
    await a.close();
    await zk.stop();
  }
});

Deno.test("LeaderLock: standbys watch their predecessor; the last one holds once both before it go", async () => {
  const zk = await startZooKeeper();
  const url = `zk://${zk.url}/fw`;
  const [a, b, c] = ["a", "b", "c"].map((id) =>
    createLeaderLock({ zk: url, frameworkName: "x", id })
  );
  try {
    await a!.acquire();
    const bHeld = b!.acquire();
    await statusWhere(b!, (s) => s.leader === "a");
    const cHeld = c!.acquire();
    await statusWhere(c!, (s) => s.leader === "a");
    const bRejected = assert.rejects(bHeld, LeaderLockClosedError);
    await b!.close();
    await bRejected;
    // c's predecessor went, but a still holds.
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(c!.status, { held: false, leader: "a" });
    await a!.close();
    await cHeld;
    assert.deepEqual(c!.status, { held: true, leader: "c" });
  } finally {
    for (const l of [a, b, c]) await l!.close();
    await zk.stop();
  }
});

Deno.test("LeaderLock: a ZooKeeper restart keeps the holder holding and the standby waiting", async () => {
  const zk = await startZooKeeper();
  const url = `zk://${zk.url}/fw`;
  const a = createLeaderLock({ zk: url, frameworkName: "etcd", id: "a" });
  const b = createLeaderLock({ zk: url, frameworkName: "etcd", id: "b" });
  const changes: string[] = [];
  a.onChange((s) => changes.push(`a ${JSON.stringify(s)}`));
  b.onChange((s) => changes.push(`b ${JSON.stringify(s)}`));
  try {
    await a.acquire();
    const bHeld = b.acquire();
    await statusWhere(b, (s) => s.leader === "a");
    changes.length = 0;
    await zk.restart();
    // Long enough for the clients to reconnect and for a lost session to show.
    await new Promise((r) => setTimeout(r, 3000));
    const raw = await ZkClient.connect(zk.url);
    try {
      assert.equal((await raw.getChildren("/fw/etcd_leader")).length, 2, "both nodes kept");
    } finally {
      await raw.close();
    }
    assert.deepEqual(changes, [], "no status change across the restart");
    assert.deepEqual(a.status, { held: true, leader: "a" });
    await a.close();
    await bHeld;
  } finally {
    await a.close();
    await b.close();
    await zk.stop();
  }
});

Deno.test("LeaderLock.acquire() waits while ZooKeeper is down and acquires once it is up", async () => {
  const down = holdPort();
  const a = createLeaderLock({
    zk: `zk://127.0.0.1:${down.port}/fw`,
    frameworkName: "etcd",
    id: "a",
    sessionTimeoutMs: 2000,
    backoff: { minMs: 100, maxMs: 500 },
  });
  const held = a.acquire();
  let settled = false;
  held.then(() => settled = true, () => settled = true);
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(settled, false, "not acquired without ZooKeeper");
  const zk = await startZooKeeper();
  down.forwardTo(zk.port);
  try {
    await held;
    assert.deepEqual(a.status, { held: true, leader: "a" });
  } finally {
    await a.close();
    await zk.stop();
    await down.release();
  }
});

Deno.test("LeaderLock.acquire() rejects on abort and after close", async () => {
  const zk = await startZooKeeper();
  const url = `zk://${zk.url}/fw`;
  const a = createLeaderLock({ zk: url, frameworkName: "etcd", id: "a" });
  const b = createLeaderLock({ zk: url, frameworkName: "etcd", id: "b" });
  try {
    await a.acquire();
    const abort = new AbortController();
    const waiting = b.acquire(abort.signal);
    await statusWhere(b, (s) => s.leader === "a");
    abort.abort(new Error("gave up"));
    await assert.rejects(waiting, /gave up/);
    await b.close();
    await assert.rejects(b.acquire(), LeaderLockClosedError);
    assert.deepEqual(b.status, { held: false });
  } finally {
    await a.close();
    await b.close();
    await zk.stop();
  }
});
