import assert from "node:assert/strict";
import { healthOf, membersOf, statsOf } from "./views.ts";
import { Harness, offer, settle, World } from "./testing/scenario_world.ts";

function complete() {
  const h = new Harness();
  const w = new World();
  settle(h, w, [...h.connect(), ...h.feed({ type: "offers", offers: [offer(1), offer(2)] })]);
  return { h, w };
}

Deno.test("statsOf() reports the original counters plus new ones", () => {
  const { h, w } = complete();
  h.feed(w.end("etcd-3"));
  const stats = statsOf(h.state);
  assert.equal(stats.running_servers, 2);
  assert.equal(stats.launched_servers, 3);
  assert.equal(stats.failed_servers, 1);
  assert.equal(stats.cluster_livelocks, 0);
  assert.equal(stats.cluster_reseeds, 0);
  assert.equal(stats.healthy, 1);
  assert.equal(stats.desired_servers, 3);
  assert.equal(stats.mutable, 1);
  assert.deepEqual(Object.keys(stats).slice(0, 6), [
    "running_servers",
    "launched_servers",
    "failed_servers",
    "cluster_livelocks",
    "cluster_reseeds",
    "healthy",
  ]);
});

Deno.test("membersOf() lists name, host, rpcPort, clientPort and raft details", () => {
  const { h } = complete();
  const members = membersOf(h.state);
  assert.equal(members.length, 3);
  assert.deepEqual(members[0], {
    name: "etcd-1",
    host: "h1",
    rpcPort: 31100,
    clientPort: 31101,
    agentId: "a1",
    taskId: "etcd-1 h1 31100 31101",
    taskState: "TASK_RUNNING",
    memberId: "1",
    raftIndex: "100",
    raftTerm: "2",
    leader: true,
    learner: false,
    healthy: true,
  });
  assert.deepEqual(members.map((m) => m.leader), [true, false, false]);
});

Deno.test("healthOf() reports total loss (no survivor) over a stale verdict", () => {
  const h = new Harness({ clusterSize: 1, cpus: 1, memMb: 256, diskMb: 512 });
  const w = new World();
  settle(h, w, [...h.connect(), ...h.feed({ type: "offers", offers: [offer(1)] })]);
  assert.equal(healthOf(h.state).healthy, true);
  h.feed(w.end("etcd-1"));
  assert.deepEqual(healthOf(h.state), {
    healthy: false,
    reason: "no survivor: total cluster loss: every member is gone; nothing to reseed from",
    phase: "lost",
  });
});
