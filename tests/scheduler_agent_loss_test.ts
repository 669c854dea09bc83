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
import { until } from "../lib/until.ts";
import { endpointsOf, readKey, writeKey } from "./testing/etcd.ts";
import { withWorld } from "./testing/world.ts";

Deno.test("an agent stopped: its member is replaced on another agent, data intact", () =>
  withWorld({
    name: "agent-loss",
    agents: 4,
    // The master notices the silent agent after 3 s and removes it 5 s later (TASK_LOST).
    masterOptions: { agentPingTimeoutMs: 3000, agentReregisterTimeoutMs: 5000 },
  }, async (world) => {
    const members = await world.admin.waitHealthy(3, 90_000);
    world.mark("3 members healthy");
    await writeKey(endpointsOf(members), "agent-loss/key", "kept");

    const lost = members.find((m) => !m.leader) ?? members[0]!;
    const agent = world.agentOf(lost);
    const used = new Set(members.map((m) => m.agentId));
    const spare = world.agents.find((a) => a.id !== undefined && !used.has(a.id));
    assert.ok(spare, "a spare agent");
    await agent.stop();
    world.mark(`stopped agent ${lost.agentId} of ${lost.name}`);

    const replaced = await until(async () => {
      const ms = await world.admin.members();
      return ms.length === 3 && !ms.some((m) => m.taskId === lost.taskId) ? ms : undefined;
    }, { timeoutMs: 90_000, what: `${lost.name} replaced` });
    world.mark("member replaced");
    const healed = await world.admin.waitHealthy(3, 90_000);
    world.mark("healthy with 3 members again");
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
    const stats = await world.admin.stats();
    assert.ok(stats.members_removed >= 1, `members_removed ${stats.members_removed}`);
    assert.ok(stats.launched_servers >= 4, `launched_servers ${stats.launched_servers}`);
    world.mark("etcd membership and data checked");
  }));
