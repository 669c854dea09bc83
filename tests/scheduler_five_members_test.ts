/**
 * End to end: the scheduler (ephemeral, a separate process) brings up a 5-member etcd cluster
 * on a local Mesos of 5 agents — one member per agent, all voting, a key written through it —
 * and nothing is left running afterwards.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Etcd3 } from "etcd3";
import { startEphemeralCluster } from "./ephemeral_cluster.ts";
import { endpointsOf, readKey, stepTimer, writeKey } from "./scheduler_harness.ts";

Deno.test("scheduler brings up 5 etcd members, one per agent, all voting", async () => {
  const c = await startEphemeralCluster({ name: "five", agents: 5, clusterSize: 5 });
  const mark = stepTimer(c.log);
  let stopped: { schedulerExit: number; left: number[] } | undefined;
  try {
    const members = await c.admin.waitHealthy(5, 110_000);
    mark("5 members healthy");
    assert.equal(new Set(members.map((m) => m.agentId)).size, 5, "one member per agent");
    assert.equal(new Set(members.map((m) => m.name)).size, 5, "distinct names");
    assert.equal(members.filter((m) => m.leader).length, 1, "exactly one leader");
    assert.ok(members.every((m) => !m.learner), "every member promoted");

    // etcd itself agrees: 5 started voting members with the names the scheduler reports.
    const client = new Etcd3({ hosts: endpointsOf(members), dialTimeout: 3000 });
    try {
      const list = await client.cluster.memberList({ linearizable: true });
      const names = list.members.map((m) => m.name).sort();
      assert.deepEqual(names, members.map((m) => m.name).sort());
      assert.ok(list.members.every((m) => !m.isLearner), "no learner left in etcd");
    } finally {
      client.close();
    }
    await writeKey(endpointsOf(members), "five/key", "v");
    assert.equal(await readKey(endpointsOf(members.slice(3)), "five/key"), "v");

    const stats = await c.admin.stats();
    assert.equal(stats.running_servers, 5);
    assert.equal(stats.launched_servers, 5, "no member launched twice");
    assert.equal(stats.failed_servers, 0);
    mark("etcd agrees; key written and read");
  } catch (e) {
    c.log.error("scheduler log tail", { tail: await c.schedulerTail() });
    throw e;
  } finally {
    stopped = await c.stop();
    mark("everything stopped");
  }
  assert.equal(stopped.schedulerExit, 0, "the scheduler stops gracefully on SIGTERM");
  assert.deepEqual(stopped.left, [], "no process of this test is left");
});
