/**
 * End to end: the scheduler (ephemeral, a separate process) brings up a 5-member etcd cluster
 * on a local Mesos of 5 agents — one member per agent, all voting, a key written through it —
 * and nothing is left running afterwards.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Etcd3 } from "etcd3";
import { endpointsOf, readKey, writeKey } from "./testing/etcd.ts";
import { withWorld } from "./testing/world.ts";

Deno.test("scheduler brings up 5 etcd members, one per agent, all voting", () =>
  withWorld({ name: "five", agents: 5, clusterSize: 5 }, async (world) => {
    const members = await world.admin.waitHealthy(5, 110_000);
    world.mark("5 members healthy");
    assert.equal(new Set(members.map((m) => m.agentId)).size, 5, "one member per agent");
    assert.equal(new Set(members.map((m) => m.name)).size, 5, "distinct names");
    assert.equal(members.filter((m) => m.leader).length, 1, "exactly one leader");
    assert.ok(members.every((m) => !m.learner), "every member promoted");
    assert.deepEqual(await world.admin.membership(), members, "/membership is /members");

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

    const stats = await world.admin.stats();
    assert.equal(stats.running_servers, 5);
    assert.equal(stats.launched_servers, 5, "no member launched twice");
    assert.equal(stats.failed_servers, 0);
    assert.equal(stats.subscriptions, 1);
    assert.equal(stats.tasks_adopted, 0);
    assert.match(await world.admin.metrics(), /^etcd_mesos_running_servers 5$/m);
    world.mark("etcd agrees; key written and read");
  }));
