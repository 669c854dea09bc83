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
 * Set `FAILOVER_KEEP=1` to keep the work directory (scheduler log, sandboxes).
 *
 * @module
 */
import assert from "node:assert/strict";
import { createLogger } from "../lib/log.ts";
import { ZkClient } from "../lib/zk/client.ts";
import { freePort, startZooKeeper } from "../lib/zk/testing/zookeeper_server.ts";
import { schedulerFlags, startTestMesos, testExecutorArtifact } from "./e2e_env.ts";
import {
  AdminApi,
  endpointsOf,
  pidsByMember,
  pidsMentioning,
  readKey,
  SchedulerProcess,
  stepTimer,
  until,
  writeKey,
} from "./scheduler_harness.ts";

const KEY = "failover/key";

/** How often `msg` appears in the scheduler's log so far. */
async function logCount(file: string, msg: string): Promise<number> {
  const text = await Deno.readTextFile(file).catch(() => "");
  return text.split("\n").filter((l) => l.includes(` ${msg}`)).length;
}

async function frameworksOf(masterUrl: string): Promise<{ id: string; active: boolean }[]> {
  const res = await fetch(`${masterUrl}/master/state`);
  return (await res.json()).frameworks;
}

Deno.test("the scheduler survives the leading master's death and a ZooKeeper restart without restarting etcd", async () => {
  const log = createLogger({ level: "info", fields: { test: "master-failover" } });
  const mark = stepTimer(log);
  const work = await Deno.makeTempDir({ prefix: "etcd-mesos-failover-" });
  const schedulerLog = `${work}/scheduler.log`;
  const cleanup: (() => Promise<unknown>)[] = [];
  let scheduler: SchedulerProcess | undefined;
  let exitCode: number | undefined;
  let lockLosses: number | undefined;
  try {
    const zk = await startZooKeeper();
    cleanup.push(() => zk.stop());
    const artifact = await testExecutorArtifact(log);
    const { mesos } = await startTestMesos({
      name: "master-failover",
      work,
      masters: 2,
      agents: 3,
      zkUrl: zk.url,
    });
    cleanup.push(() => mesos.stop());
    mark("zookeeper, artifact and two masters up");

    const adminPort = freePort();
    scheduler = new SchedulerProcess(
      schedulerFlags({
        masterSpec: mesos.masterSpec,
        zkUrl: zk.url,
        adminPort,
        artifact,
        clusterSize: 3,
      }),
      schedulerLog,
    );
    const admin = new AdminApi(adminPort);

    // 1. Bring-up.
    const members = await admin.waitHealthy(3, 90_000);
    await writeKey(endpointsOf(members), KEY, "kept");
    const pids = await pidsByMember(work, members);
    assert.ok(Object.values(pids).every((p) => p.length === 1), JSON.stringify(pids));
    const before = await admin.stats();
    assert.equal(before.leader, 1);
    const oldLeader = mesos.leader()!;
    const [fw] = await frameworksOf(oldLeader.url);
    assert.ok(fw?.active, "the framework is subscribed");
    const subscribed = await logCount(schedulerLog, "subscribed; reconciling tasks");
    const reconciled = await logCount(schedulerLog, "reconciliation finished");
    mark("3 members healthy; key written");

    // 2. The leading master dies.
    await oldLeader.stop();
    mark("leading master stopped");
    const newLeader = await until("a new leading master", 30_000, () => {
      const l = mesos.leader();
      return Promise.resolve(l !== undefined && l !== oldLeader ? l : undefined);
    });
    await until("the same framework, re-subscribed to the new leader", 30_000, async () => {
      const f = await frameworksOf(newLeader.url);
      return f.some((x) => x.id === fw.id && x.active) ? true : undefined;
    });
    mark("re-subscribed to the new leader with the same framework id");
    await until(
      "reconciliation after the failover",
      60_000,
      async () =>
        await logCount(schedulerLog, "subscribed; reconciling tasks") > subscribed &&
          await logCount(schedulerLog, "reconciliation finished") > reconciled &&
          (await admin.stats()).mutable === 1
          ? true
          : undefined,
    );
    mark("reconciled after the failover");
    const after = await admin.waitHealthy(3, 60_000);
    mark("healthy after the failover");
    assert.deepEqual(
      after.map((m) => m.taskId).sort(),
      members.map((m) => m.taskId).sort(),
      "the same tasks",
    );
    assert.deepEqual(await pidsByMember(work, after), pids, "no etcd process was restarted");
    assert.equal((await admin.stats()).launched_servers, before.launched_servers, "no relaunch");
    assert.equal(await readKey(endpointsOf(after), KEY), "kept");

    // 3. ZooKeeper restarts under the running cluster.
    await zk.restart();
    mark("zookeeper restarted");
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
    mark("healthy after the zookeeper restart");
    const stats = await admin.stats();
    assert.equal(stats.leader, 1, "still the leader");
    assert.equal(stats.mutable, 1);
    assert.equal(stats.launched_servers, before.launched_servers, "no relaunch");
    assert.deepEqual(await pidsByMember(work, later), pids, "no etcd process was restarted");
    assert.equal(await readKey(endpointsOf(later), KEY), "kept");
    const frameworks = await frameworksOf(mesos.leader()!.url);
    assert.deepEqual(frameworks.map((f) => [f.id, f.active]), [[fw.id, true]]);
  } catch (e) {
    const tail = await Deno.readTextFile(schedulerLog).catch(() => "");
    log.error("scheduler log tail", { tail: tail.slice(-8000) });
    throw e;
  } finally {
    if (scheduler) exitCode = await scheduler.stop();
    lockLosses = await logCount(schedulerLog, "leader lock lost");
    for (const step of cleanup.reverse()) await step().catch((e) => log.warn("cleanup", { e }));
    mark("everything stopped");
    const left = await pidsMentioning(work, "etcd");
    if (Deno.env.get("FAILOVER_KEEP")) log.info("work dir kept", { work });
    else await Deno.remove(work, { recursive: true }).catch(() => {});
    assert.deepEqual(left, [], "no etcd process of this test is left");
  }
  assert.equal(exitCode, 0, "the scheduler stops gracefully on SIGTERM");
  assert.equal(lockLosses, 0, "the leader lock survived the ZooKeeper restart");
});
