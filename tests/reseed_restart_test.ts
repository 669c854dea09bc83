/**
 * End to end: the scheduler is killed (SIGKILL) in the middle of a reseed and restarted; the
 * restarted scheduler, which keeps no reseed state, completes the recovery. Real ZooKeeper
 * (the framework id is persisted there), two local masters, 3 agents, the executor artifact
 * (via the chaos environment, whose scheduler runs with `--reseed-timeout=5s`).
 *
 * A 3-member cluster loses 2 members: one executor is killed, another member's etcd is frozen
 * with SIGSTOP. The first scheduler starts the reseed and is killed as soon as it has sent the
 * fence order (its executor carries on and stops the frozen etcd). The restarted scheduler
 * adopts the tasks, finds quorum still lost (the survivor reachable, the fenced member's etcd
 * stopped), runs its own reseed from the survivor and regrows to 3. A key acknowledged by the
 * survivor before the loss is intact.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createLogger } from "../lib/log.ts";
import { startChaosEnvironment } from "../scripts/chaos/environment.ts";
import { endpointsOf, etcdPids, readKey, stepTimer, until, writeKey } from "./scheduler_harness.ts";

const KEY = "reseed-restart/key";

Deno.test("scheduler killed while fencing and restarted → the restarted scheduler reseeds and regrows, key intact", async () => {
  const log = createLogger({ level: "info", fields: { test: "reseed-restart" } });
  const mark = stepTimer(log);
  const env = await startChaosEnvironment({ members: 3, agents: 3, logger: log });
  let stopped: { schedulerExit: number; left: number[] } | undefined;
  try {
    const members = await env.admin.waitHealthy(3, 90_000);
    mark("3 members healthy");
    await writeKey(endpointsOf(members), KEY, "kept");
    const survivor = members.find((m) => !m.leader) ?? members[0]!;
    const [dead, hung] = members.filter((m) => m !== survivor);
    assert.ok(dead && hung);
    assert.equal(await readKey(endpointsOf([survivor]), KEY), "kept");
    mark(`key acknowledged by the survivor ${survivor.name}`);

    const [pid] = await etcdPids(env.work, hung.clientPort);
    assert.ok(pid, `${hung.name}'s etcd process`);
    Deno.kill(pid, "SIGSTOP");
    const agent = env.agents.find((a) => a.id === dead.agentId);
    assert.ok(agent?.killExecutor(`etcd-executor-${dead.name}-${dead.rpcPort}`), "executor killed");
    mark(`froze ${hung.name}'s etcd and killed ${dead.name}'s executor`);

    const fencing = new RegExp(`order stop sent.*member=${hung.name}`);
    await until("the first scheduler to fence", 90_000, async () => {
      return fencing.test(await Deno.readTextFile(env.schedulerLog)) || undefined;
    });
    const firstLog = await Deno.readTextFile(env.schedulerLog);
    assert.doesNotMatch(firstLog, /order reseed sent/, "killed before seeding");
    await env.restartScheduler();
    mark("first scheduler killed (SIGKILL) while fencing; a new one started");

    await until("the restarted scheduler to finish a reseed", 90_000, async () => {
      const stats = await env.admin.stats();
      return stats.cluster_reseeds >= 1 && stats.reseeding === 0 ? true : undefined;
    });
    mark("the restarted scheduler reseeded");
    const healed = await env.admin.waitHealthy(3, 90_000);
    mark("regrown to 3 healthy members");

    const second = (await Deno.readTextFile(env.schedulerLog)).slice(firstLog.length);
    assert.match(second, /adopted a running task/);
    assert.match(second, new RegExp(`order reseed sent.*member=${survivor.name}`));
    assert.ok(healed.some((m) => m.taskId === survivor.taskId), "the survivor's task was kept");
    assert.ok(!healed.some((m) => m.taskId === dead.taskId || m.taskId === hung.taskId));
    assert.equal(await readKey(endpointsOf(healed), KEY), "kept");
    assert.ok(
      !(await etcdPids(env.work, hung.clientPort)).includes(pid),
      "the frozen etcd is gone",
    );
    const stats = await env.admin.stats();
    assert.equal(stats.cluster_reseeds, 1, "one reseed by the restarted scheduler");
    assert.equal(stats.no_survivor, 0);
    mark("data, members, counters and log checked");
  } catch (e) {
    const tail = await Deno.readTextFile(env.schedulerLog).catch(() => "");
    log.error("scheduler log tail", { tail: tail.slice(-12_000) });
    throw e;
  } finally {
    stopped = await env.stop();
    mark("everything stopped");
  }
  assert.equal(stopped.schedulerExit, 0, "the scheduler stops gracefully on SIGTERM");
  assert.deepEqual(stopped.left, [], "no process of this test is left");
});
