/**
 * End to end: the scheduler is killed (SIGKILL) right after it ordered the seed, and
 * restarted. Real ZooKeeper, two local masters, 3 agents (the chaos environment,
 * `--reseed-timeout=5s`, grace period 10 s).
 *
 * A 3-member cluster loses 2 members: one executor is killed, another member's etcd is frozen
 * with SIGSTOP. The first scheduler fences the frozen member (its executor stops etcd) and
 * orders the survivor to restart as a one-member cluster; it is killed at once. The
 * survivor's executor carries the order out; the restarted scheduler adopts a healthy
 * one-member cluster, kills the fenced task (unreachable beyond the grace period, now that
 * the cluster is healthy) and regrows to 3 without a second reseed. The key acknowledged by the
 * survivor before the loss is intact.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createLogger } from "../lib/log.ts";
import { startChaosEnvironment } from "../scripts/chaos/environment.ts";
import { endpointsOf, etcdPids, readKey, stepTimer, until, writeKey } from "./scheduler_harness.ts";

const KEY = "reseed-restart-seeding/key";

Deno.test("scheduler killed right after ordering the seed and restarted → adopts the seed, drops the fenced member, regrows, key intact", async () => {
  const log = createLogger({ level: "info", fields: { test: "reseed-restart-seeding" } });
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

    const [pid] = await etcdPids(env.work, hung.clientPort);
    assert.ok(pid, `${hung.name}'s etcd process`);
    Deno.kill(pid, "SIGSTOP");
    const agent = env.agents.find((a) => a.id === dead.agentId);
    assert.ok(agent?.killExecutor(`etcd-executor-${dead.name}-${dead.rpcPort}`), "executor killed");
    mark(`froze ${hung.name}'s etcd and killed ${dead.name}'s executor`);

    const seeding = new RegExp(`order reseed sent.*member=${survivor.name}`);
    await until("the first scheduler to order the seed", 90_000, async () => {
      return seeding.test(await Deno.readTextFile(env.schedulerLog)) || undefined;
    });
    await env.restartScheduler();
    const firstLog = await Deno.readTextFile(env.schedulerLog);
    assert.doesNotMatch(firstLog, /the seed is healthy/, "killed before it saw the seed healthy");
    mark(`first scheduler killed (SIGKILL) after ordering the seed; a new one started`);

    const healed = await env.admin.waitHealthy(3, 110_000);
    mark("the restarted scheduler regrew the cluster to 3");
    const second = (await Deno.readTextFile(env.schedulerLog)).slice(firstLog.length);
    assert.match(second, /adopted a running task/);
    assert.match(second, new RegExp(`killing task.*${hung.name} .*unreachable for`));
    assert.ok(healed.some((m) => m.taskId === survivor.taskId), "the seed's task was kept");
    assert.ok(!healed.some((m) => m.taskId === dead.taskId || m.taskId === hung.taskId));
    assert.equal(await readKey(endpointsOf(healed), KEY), "kept");
    assert.ok(
      !(await etcdPids(env.work, hung.clientPort)).includes(pid),
      "the frozen etcd is gone",
    );
    const stats = await env.admin.stats();
    assert.equal(stats.cluster_reseeds, 0, "no second reseed");
    assert.equal(stats.no_survivor, 0);
    mark("log, members, counters and data checked");
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
