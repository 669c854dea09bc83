/**
 * End to end: a 3-member cluster on a local Mesos of 4 agents; one member's agent is stopped
 * (its executor and etcd die with it, it stops pinging, the master removes it). The scheduler
 * removes the member from etcd and replaces it on the spare agent; the data survives and
 * nothing is left running afterwards.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Etcd3 } from "etcd3";
import { startEphemeralCluster } from "./ephemeral_cluster.ts";
import { endpointsOf, readKey, stepTimer, until, writeKey } from "./scheduler_harness.ts";

Deno.test("an agent stopped: its member is replaced on another agent, data intact", async () => {
  const c = await startEphemeralCluster({
    name: "agent-loss",
    agents: 4,
    clusterSize: 3,
    // The master notices the silent agent after 3 s and removes it 5 s later (TASK_LOST).
    masterOptions: { agentPingTimeoutMs: 3000, agentReregisterTimeoutMs: 5000 },
  });
  const mark = stepTimer(c.log);
  let stopped: { schedulerExit: number; left: number[] } | undefined;
  try {
    const members = await c.admin.waitHealthy(3, 90_000);
    mark("3 members healthy");
    await writeKey(endpointsOf(members), "agent-loss/key", "kept");

    const lost = members.find((m) => !m.leader) ?? members[0]!;
    const agent = c.mesos.agents.find((a) => a.id === lost.agentId);
    assert.ok(agent, `the agent ${lost.agentId} of ${lost.name}`);
    const used = new Set(members.map((m) => m.agentId));
    const spare = c.mesos.agents.find((a) => a.id !== undefined && !used.has(a.id));
    assert.ok(spare, "a spare agent");
    await agent.stop();
    mark(`stopped agent ${lost.agentId} of ${lost.name}`);

    const replaced = await until(`${lost.name} replaced`, 90_000, async () => {
      const ms = await c.admin.members();
      return ms.length === 3 && !ms.some((m) => m.taskId === lost.taskId) ? ms : undefined;
    });
    mark("member replaced");
    const healed = await c.admin.waitHealthy(3, 90_000);
    mark("healthy with 3 members again");
    assert.ok(!replaced.some((m) => m.agentId === lost.agentId), "nothing on the stopped agent");
    assert.ok(!healed.some((m) => m.agentId === lost.agentId), "nothing on the stopped agent");
    assert.ok(healed.some((m) => m.agentId === spare.id), "the spare agent took the member");
    assert.equal(new Set(healed.map((m) => m.agentId)).size, 3, "one member per agent");

    // etcd no longer lists the lost member's peer URL.
    const client = new Etcd3({ hosts: endpointsOf(healed), dialTimeout: 3000 });
    try {
      const list = await client.cluster.memberList({ linearizable: true });
      const peers = list.members.flatMap((m) => m.peerURLs);
      assert.equal(list.members.length, 3, JSON.stringify(peers));
      // Agents have disjoint port ranges: the lost peer port belonged to the stopped agent only.
      assert.ok(!peers.some((u) => u.endsWith(`:${lost.rpcPort}`)), JSON.stringify(peers));
      assert.ok(!list.members.some((m) => m.ID === lost.memberId), "the lost member was removed");
    } finally {
      client.close();
    }
    assert.equal(await readKey(endpointsOf(healed), "agent-loss/key"), "kept");
    const stats = await c.admin.stats();
    assert.ok(stats.members_removed >= 1, `members_removed ${stats.members_removed}`);
    assert.ok(stats.launched_servers >= 4, `launched_servers ${stats.launched_servers}`);
    mark("etcd membership and data checked");
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
