/**
 * End to end: real ZooKeeper, the local Mesos (1 master, 3 agents), the executor artifact
 * built offline, and the scheduler as a separate process. A 3-member etcd cluster comes up,
 * keeps a key through `kill -9` of one etcd, the loss of one executor (member replaced) and a
 * scheduler restart (tasks adopted, nothing relaunched); nothing is left running afterwards.
 *
 * Set `KEEP_WORK=1` to keep the work directory (scheduler log, sandboxes).
 *
 * @module
 */
import assert from "node:assert/strict";
import { until } from "../lib/until.ts";
import { endpointsOf, readKey, writeKey } from "./testing/etcd.ts";
import { withWorld } from "./testing/world.ts";

const KEY = "bringup/key";

Deno.test("scheduler brings up 3 etcd members on the local Mesos and heals after kill -9 of one", () =>
  withWorld({
    name: "bringup",
    zookeeper: true,
    agents: 3,
    executorUri: true,
  }, async (world) => {
    // The master registers in ZooKeeper; the scheduler finds it there (zk:// --master).
    assert.match(world.masterSpec, /^zk:\/\//);
    const first = world.scheduler;

    // 1. Bring-up.
    const members = await first.admin.waitHealthy(3, 90_000);
    world.mark("3 members healthy");
    assert.equal(new Set(members.map((m) => m.agentId)).size, 3, "one member per agent");
    await writeKey(endpointsOf(members), KEY, "kept");
    assert.equal(await readKey(endpointsOf(members), KEY), "kept");
    world.mark("key written and read");

    // 2. kill -9 of one etcd: its executor restarts it, or the scheduler replaces it.
    const victim = members.find((m) => !m.leader) ?? members[0]!;
    const pid = await world.etcdPid(victim);
    Deno.kill(pid, "SIGKILL");
    world.mark(`killed etcd of ${victim.name} (pid ${pid})`);
    const how = await until(async () => {
      const now = await world.etcdPids(victim.clientPort);
      if (now.length === 1 && now[0] !== pid) return "restarted by its executor";
      const ms = await first.admin.members();
      return ms.some((m) => m.taskId === victim.taskId) ? undefined : "replaced";
    }, { timeoutMs: 60_000, what: `${victim.name}'s etcd restarted or replaced` });
    world.mark(`${victim.name} ${how}`);
    const healed = await first.admin.waitHealthy(3, 120_000);
    world.mark("healthy with 3 members again");
    assert.equal(await readKey(endpointsOf(healed), KEY), "kept");
    world.mark("key still readable");

    // 3. An executor dies (its etcd with it): the scheduler removes the member and replaces it.
    const lost = healed.find((m) => !m.leader) ?? healed[0]!;
    world.killExecutor(lost);
    world.mark(`killed the executor of ${lost.name}`);
    await until(async () => {
      const ms = await first.admin.members();
      return ms.length === 3 && !ms.some((m) => m.taskId === lost.taskId);
    }, { timeoutMs: 90_000, what: `${lost.name} to be replaced` });
    const replaced = await first.admin.waitHealthy(3, 120_000);
    world.mark("member replaced; healthy with 3 members");
    const stats = await first.admin.stats();
    assert.ok(stats.failed_servers >= 1, `failed_servers ${stats.failed_servers}`);
    assert.ok(stats.members_removed >= 1, `members_removed ${stats.members_removed}`);
    assert.equal(await readKey(endpointsOf(replaced), KEY), "kept");
    world.mark("key still readable");

    // 4. The scheduler restarts: the framework survives and the running tasks are adopted.
    assert.equal(await first.stop(), 0, "the scheduler stops gracefully on SIGTERM");
    world.mark("scheduler stopped");
    const second = world.startScheduler();
    const adopted = await second.admin.waitHealthy(3, 60_000);
    await second.admin.waitMutable(30_000);
    world.mark("new scheduler: reconciled, healthy with the same 3 members");
    assert.deepEqual(
      adopted.map((m) => m.taskId).sort(),
      replaced.map((m) => m.taskId).sort(),
      "the same tasks",
    );
    const after = await second.admin.stats();
    assert.equal(after.launched_servers, 0, "nothing relaunched");
    assert.equal(after.tasks_adopted, 3, "the 3 running tasks adopted");
    assert.equal(await readKey(endpointsOf(adopted), KEY), "kept");
  }));
