/**
 * End to end (issue 10): one member's etcd is frozen with SIGSTOP (its task stays
 * TASK_RUNNING, its etcd answers nobody). After `--member-grace-period` the scheduler kills
 * it and replaces it (or relaunches it): healthy at full size again, and the frozen process
 * is gone although it never ran again; SIGCONT then finds it already dead. Asserted through
 * the admin API; the processes through /proc.
 *
 * @module
 */
import assert from "node:assert/strict";
import { isAlive, isStopped } from "../lib/localmesos/agent/testing/agent_process.ts";
import { until } from "../lib/until.ts";
import { memberEtcdPid, reasonsTail, watchAdmin } from "./testing/stuck.ts";
import { withWorld } from "./testing/world.ts";

const GRACE_MS = 3_000;

Deno.test("etcd SIGSTOPped: killed and replaced after the grace period; SIGCONT finds it dead", () =>
  withWorld({
    name: "stuck-frozen-etcd",
    agents: 3,
    schedulerFlags: [`--member-grace-period=${GRACE_MS}ms`, "--destructive-interval=1s"],
  }, async (world) => {
    const members = await world.admin.waitHealthy(3, 90_000);
    world.mark("3 members healthy");
    const victim = members.find((m) => !m.leader) ?? members[0]!;
    const pid = await memberEtcdPid(world.work, victim);
    const watch = watchAdmin(world.admin);
    const frozenAt = Date.now();
    try {
      world.freeze(pid);
      await until(() => isStopped(pid), { timeoutMs: 2000, what: `etcd pid ${pid} stopped` });
      world.mark(`SIGSTOP etcd of ${victim.name} (pid ${pid})`);

      await until(async () => !await isAlive(pid), {
        timeoutMs: 60_000,
        what: `the frozen etcd pid ${pid} of ${victim.name} to be killed`,
      });
      const killedAfter = Date.now() - frozenAt;
      world.mark(`the frozen etcd is gone ${killedAfter / 1000} s after SIGSTOP`);
      assert.ok(killedAfter >= GRACE_MS, `not before the grace period (${killedAfter} ms)`);

      const healed = await world.admin.waitHealthy(3, 90_000);
      world.mark(`healthy at full size ${(Date.now() - frozenAt) / 1000} s after SIGSTOP`);
      // Replaced (a new task) or relaunched in place (same task, new etcd process): either
      // way the member answering now is not the frozen process.
      const same = healed.find((m) => m.taskId === victim.taskId);
      if (same !== undefined) {
        assert.notEqual(await memberEtcdPid(world.work, same), pid, "a new etcd process");
      }
    } catch (e) {
      throw new Error(`/healthz said:\n${reasonsTail(await watch.stop())}`, { cause: e });
    }
    const w = await watch.stop();
    assert.equal(w.stuck, undefined, `liveness alarm raised:\n${reasonsTail(w)}`);
    const stats = await world.admin.stats();
    assert.equal(stats.running_servers, 3);
    assert.equal(stats.cluster_reseeds, 0, "one frozen member needs no reseed");
    assert.equal(stats.stray_members, 0);
    assert.equal(stats.stuck, 0);

    // SIGCONT: nothing left to resume.
    assert.throws(() => world.thaw(pid), Deno.errors.NotFound, "SIGCONT finds no process");
    world.mark("SIGCONT: the process was already dead");
  }));
