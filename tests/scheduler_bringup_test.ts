/**
 * End to end: real ZooKeeper, the local Mesos (1 master, 3 agents), the executor artifact
 * built offline, and the scheduler as a separate process. A 3-member etcd cluster comes up,
 * keeps a key through `kill -9` of one etcd, the loss of one executor (member replaced) and a
 * scheduler restart (tasks adopted, nothing relaunched); nothing is left running afterwards.
 *
 * Set `BRINGUP_KEEP=1` to keep the work directory (scheduler log, sandboxes).
 *
 * @module
 */
import assert from "node:assert/strict";
import { createLogger } from "../lib/log.ts";
import { freePort, startZooKeeper } from "../lib/zk/testing/zookeeper_server.ts";
import { schedulerFlags, startTestMesos, testExecutorArtifact } from "./e2e_env.ts";
import {
  AdminApi,
  endpointsOf,
  etcdPids,
  pidsMentioning,
  readKey,
  SchedulerProcess,
  stepTimer,
  until,
  writeKey,
} from "./scheduler_harness.ts";

const KEY = "bringup/key";

Deno.test("scheduler brings up 3 etcd members on the local Mesos and heals after kill -9 of one", async () => {
  const log = createLogger({ level: "info", fields: { test: "bringup" } });
  const mark = stepTimer(log);
  const work = await Deno.makeTempDir({ prefix: "etcd-mesos-bringup-" });
  const schedulerLog = `${work}/scheduler.log`;
  const cleanup: (() => Promise<unknown>)[] = [];
  let scheduler: SchedulerProcess | undefined;
  const exitCodes: number[] = [];
  try {
    const zk = await startZooKeeper();
    cleanup.push(() => zk.stop());
    mark("zookeeper up");
    const artifact = await testExecutorArtifact(log);
    mark("executor artifact ready");
    // The master registers in ZooKeeper; the scheduler finds it there (zk:// --master).
    const { mesos } = await startTestMesos({ name: "bringup", work, agents: 3, zkUrl: zk.url });
    cleanup.push(() => mesos.stop());
    mark("local mesos up");
    assert.match(mesos.masterSpec, /^zk:\/\//);

    const adminPort = freePort();
    const args = schedulerFlags({
      masterSpec: mesos.masterSpec,
      zkUrl: zk.url,
      adminPort,
      artifact,
      clusterSize: 3,
      executorUri: true,
    });
    scheduler = new SchedulerProcess(args, schedulerLog);
    const admin = new AdminApi(adminPort);

    // 1. Bring-up.
    const members = await admin.waitHealthy(3, 90_000);
    mark("3 members healthy");
    assert.equal(new Set(members.map((m) => m.agentId)).size, 3, "one member per agent");
    await writeKey(endpointsOf(members), KEY, "kept");
    assert.equal(await readKey(endpointsOf(members), KEY), "kept");
    mark("key written and read");

    // 2. kill -9 of one etcd: its executor restarts it, or the scheduler replaces it.
    const victim = members.find((m) => !m.leader) ?? members[0]!;
    const pids = await etcdPids(work, victim.clientPort);
    assert.equal(pids.length, 1, `one etcd serves ${victim.name}'s port ${victim.clientPort}`);
    Deno.kill(pids[0]!, "SIGKILL");
    mark(`killed etcd of ${victim.name} (pid ${pids[0]})`);
    const how = await until(`${victim.name}'s etcd restarted or replaced`, 60_000, async () => {
      const now = await etcdPids(work, victim.clientPort);
      if (now.length === 1 && now[0] !== pids[0]) return "restarted by its executor";
      const ms = await admin.members();
      return ms.some((m) => m.taskId === victim.taskId) ? undefined : "replaced";
    });
    mark(`${victim.name} ${how}`);
    const healed = await admin.waitHealthy(3, 120_000);
    mark("healthy with 3 members again");
    assert.equal(await readKey(endpointsOf(healed), KEY), "kept");
    mark("key still readable");

    // 3. An executor dies (its etcd with it): the scheduler removes the member and replaces it.
    const lost = healed.find((m) => !m.leader) ?? healed[0]!;
    const agent = mesos.agents.find((a) => a.id === lost.agentId);
    assert.ok(agent, `agent ${lost.agentId} of ${lost.name}`);
    assert.ok(agent.killExecutor(`etcd-executor-${lost.name}-${lost.rpcPort}`), "executor killed");
    mark(`killed the executor of ${lost.name}`);
    await until(`${lost.name} to be replaced`, 90_000, async () => {
      const ms = await admin.members();
      return ms.length === 3 && !ms.some((m) => m.taskId === lost.taskId) ? true : undefined;
    });
    const replaced = await admin.waitHealthy(3, 120_000);
    mark("member replaced; healthy with 3 members");
    const stats = await admin.stats();
    assert.ok(stats.failed_servers >= 1, `failed_servers ${stats.failed_servers}`);
    assert.ok(stats.members_removed >= 1, `members_removed ${stats.members_removed}`);
    assert.equal(await readKey(endpointsOf(replaced), KEY), "kept");
    mark("key still readable");

    // 4. The scheduler restarts: the framework survives and the running tasks are adopted.
    exitCodes.push(await scheduler.stop());
    scheduler = undefined;
    mark("scheduler stopped");
    scheduler = new SchedulerProcess(args, schedulerLog);
    const adopted = await admin.waitHealthy(3, 60_000);
    await until(
      "reconciliation to finish",
      30_000,
      async () => (await admin.stats()).mutable === 1 ? true : undefined,
    );
    mark("new scheduler: reconciled, healthy with the same 3 members");
    assert.deepEqual(
      adopted.map((m) => m.taskId).sort(),
      replaced.map((m) => m.taskId).sort(),
      "the same tasks",
    );
    assert.equal((await admin.stats()).launched_servers, 0, "nothing relaunched");
    assert.equal(await readKey(endpointsOf(adopted), KEY), "kept");
  } catch (e) {
    const tail = await Deno.readTextFile(schedulerLog).catch(() => "");
    log.error("scheduler log tail", { tail: tail.slice(-8000) });
    throw e;
  } finally {
    if (scheduler) exitCodes.push(await scheduler.stop());
    for (const step of cleanup.reverse()) await step().catch((e) => log.warn("cleanup", { e }));
    mark("everything stopped");
    const left = await pidsMentioning(work, "etcd");
    if (Deno.env.get("BRINGUP_KEEP")) log.info("work dir kept", { work });
    else await Deno.remove(work, { recursive: true }).catch(() => {});
    assert.deepEqual(left, [], "no etcd process of this test is left");
  }
  assert.deepEqual(exitCodes, [0, 0], "the scheduler stops gracefully on SIGTERM");
});
