/**
 * End to end (issue 10): one member's executor process is killed with SIGKILL, alone (its
 * etcd gets no signal). 5 s later no etcd of that member is left (the agent destroyed the
 * executor's container), and the scheduler replaces the member: healthy at full size again,
 * without the liveness alarm. Asserted through the admin API; the processes through /proc.
 *
 * @module
 */
import assert from "node:assert/strict";
import { isAlive } from "../lib/localmesos/agent/testing/agent_process.ts";
import {
  killExecutorOnly,
  memberEtcdPid,
  memberEtcdPids,
  reasonsTail,
  watchAdmin,
} from "./testing/stuck.ts";
import { withWorld } from "./testing/world.ts";

Deno.test("executor SIGKILLed alone: no etcd of its member 5 s later, member replaced", () =>
  withWorld({
    name: "stuck-executor-kill",
    agents: 3,
    schedulerFlags: ["--member-grace-period=3s", "--destructive-interval=1s"],
  }, async (world) => {
    const members = await world.admin.waitHealthy(3, 90_000);
    world.mark("3 members healthy");
    const victim = members.find((m) => !m.leader) ?? members[0]!;
    const etcd = await memberEtcdPid(world.work, victim);
    const watch = watchAdmin(world.admin);
    try {
      const executor = await killExecutorOnly(world.work, victim);
      const killedAt = Date.now();
      world.mark(`SIGKILL executor of ${victim.name} (pid ${executor}; its etcd is pid ${etcd})`);

      await new Promise((r) => setTimeout(r, Math.max(0, killedAt + 5_000 - Date.now())));
      assert.equal(await isAlive(etcd), false, `${victim.name}'s etcd (pid ${etcd}) 5 s later`);
      assert.deepEqual(await memberEtcdPids(world.work, victim), [], "its etcd 5 s later");
      world.mark("5 s later: no etcd of the member");

      const healed = await world.admin.waitHealthy(3, 90_000);
      world.mark(`healthy at full size ${(Date.now() - killedAt) / 1000} s after the kill`);
      assert.ok(!healed.some((m) => m.taskId === victim.taskId), "the member was replaced");
    } catch (e) {
      throw new Error(`/healthz said:\n${reasonsTail(await watch.stop())}`, { cause: e });
    }
    const w = await watch.stop();
    assert.equal(w.stuck, undefined, `liveness alarm raised:\n${reasonsTail(w)}`);
    const stats = await world.admin.stats();
    assert.ok(stats.members_removed >= 1, `members_removed ${stats.members_removed}`);
    assert.ok(stats.members_added >= 1, `members_added ${stats.members_added}`);
    assert.equal(stats.cluster_reseeds, 0, "one member lost needs no reseed");
    assert.equal(stats.stray_members, 0);
    assert.equal(stats.stuck, 0);
    assert.deepEqual(await memberEtcdPids(world.work, victim), [], "still no etcd of the member");
  }));
