/**
 * End to end: a leading-master failover and a ZooKeeper restart under a running cluster.
 * Real ZooKeeper, the local Mesos with two masters elected through it, the executor artifact,
 * and the scheduler as a separate process following `--master=zk://…/mesos`.
 *
 * 1. Three members come up healthy.
 * 2. The leading master dies: the scheduler follows ZooKeeper to the new leader, re-subscribes
 *    with the same framework id, reconciles (asking again until the agents have re-registered)
 *    and carries on; no etcd process is restarted and nothing is relaunched.
 * 3. ZooKeeper restarts: nothing breaks, the scheduler keeps its leader lock, and the framework
 *    id is still readable.
 *
 * Set `KEEP_WORK=1` to keep the work directory (scheduler log, sandboxes).
 *
 * @module
 */
import assert from "node:assert/strict";
import { until } from "../lib/until.ts";
import { ZkClient } from "../lib/zk/client.ts";
import { endpointsOf, readKey, writeKey } from "./testing/etcd.ts";
import { withWorld } from "./testing/world.ts";

const KEY = "failover/key";

async function frameworksOf(masterUrl: string): Promise<{ id: string; active: boolean }[]> {
  const res = await fetch(`${masterUrl}/master/state`);
  return (await res.json()).frameworks;
}

Deno.test("the scheduler survives the leading master's death and a ZooKeeper restart without restarting etcd", () =>
  withWorld({
    name: "master-failover",
    zookeeper: true,
    masters: 2,
    agents: 3,
  }, async (world) => {
    const { admin } = world;
    const zk = world.zk!;

    // 1. Bring-up.
    const members = await admin.waitHealthy(3, 90_000);
    await writeKey(endpointsOf(members), KEY, "kept");
    const pids = await world.pidsByMember(members);
    assert.ok(Object.values(pids).every((p) => p.length === 1), JSON.stringify(pids));
    const before = await admin.stats();
    assert.equal(before.leader, 1);
    const oldLeader = world.leader()!;
    const [fw] = await frameworksOf(oldLeader.url);
    assert.ok(fw?.active, "the framework is subscribed");
    world.mark("3 members healthy; key written");

    // 2. The leading master dies.
    await oldLeader.stop();
    world.mark("leading master stopped");
    const newLeader = await until(() => {
      const l = world.leader();
      return l !== undefined && l !== oldLeader ? l : undefined;
    }, { timeoutMs: 30_000, what: "a new leading master" });
    await until(
      async () => (await frameworksOf(newLeader.url)).some((x) => x.id === fw.id && x.active),
      { timeoutMs: 30_000, what: "the same framework, re-subscribed to the new leader" },
    );
    world.mark("re-subscribed to the new leader with the same framework id");
    // Subscribed again and reconciled again (where the log said "subscribed; reconciling
    // tasks" and "reconciliation finished").
    await admin.waitStats(
      "reconciliation after the failover",
      (s) =>
        s.subscriptions > before.subscriptions && s.reconciliations > before.reconciliations &&
        s.mutable === 1,
      60_000,
    );
    world.mark("reconciled after the failover");
    const after = await admin.waitHealthy(3, 60_000);
    world.mark("healthy after the failover");
    assert.deepEqual(
      after.map((m) => m.taskId).sort(),
      members.map((m) => m.taskId).sort(),
      "the same tasks",
    );
    assert.deepEqual(await world.pidsByMember(after), pids, "no etcd process was restarted");
    assert.equal((await admin.stats()).launched_servers, before.launched_servers, "no relaunch");
    assert.equal(await readKey(endpointsOf(after), KEY), "kept");

    // 3. ZooKeeper restarts under the running cluster.
    await zk.restart();
    world.mark("zookeeper restarted");
    const raw = await ZkClient.connect(zk.url);
    try {
      const stored = new TextDecoder().decode(
        (await raw.getData("/etcd-mesos/etcd_framework_id")).data,
      );
      assert.equal(stored, fw.id, "the framework id is still readable");
      const contenders = await raw.getChildren("/etcd-mesos/etcd_leader");
      assert.equal(contenders.length, 1, `one leader lock node: ${contenders}`);
    } finally {
      await raw.close();
    }
    const later = await admin.waitHealthy(3, 60_000);
    world.mark("healthy after the zookeeper restart");
    const stats = await admin.stats();
    assert.equal(stats.leader, 1, "still the leader");
    assert.equal(stats.mutable, 1);
    assert.equal(stats.launched_servers, before.launched_servers, "no relaunch");
    assert.equal(stats.leader_lock_losses, 0, "the leader lock survived the ZooKeeper restart");
    assert.deepEqual(await world.pidsByMember(later), pids, "no etcd process was restarted");
    assert.equal(await readKey(endpointsOf(later), KEY), "kept");
    const frameworks = await frameworksOf(world.leader()!.url);
    assert.deepEqual(frameworks.map((f) => [f.id, f.active]), [[fw.id, true]]);
  }));
