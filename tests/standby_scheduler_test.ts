/**
 * End to end: two schedulers of one framework, and schedulers killed at bad moments.
 * Real ZooKeeper, the local Mesos (1 master, 3 agents), the executor artifact, and the
 * schedulers as separate processes.
 *
 * 1. Scheduler A takes the leader lock and brings up three members; scheduler B stands by
 *    (`/healthz` 200 "standby: leader is …", `/stats` leader 0) without subscribing.
 * 2. A is killed with SIGKILL: B takes over within seconds (A's ZooKeeper session expires),
 *    adopts the running members and relaunches nothing; no etcd process is restarted.
 * 3. A member's executor dies; while B replaces the member, B is killed with SIGKILL. A third
 *    scheduler C takes over and finishes the replacement; the surviving etcd processes are
 *    untouched and the data is intact.
 *
 * Set `STANDBY_KEEP=1` to keep the work directory (scheduler logs, sandboxes).
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
  pidsByMember,
  pidsMentioning,
  readKey,
  SchedulerProcess,
  stepTimer,
  until,
  writeKey,
} from "./scheduler_harness.ts";

const KEY = "standby/key";

Deno.test("a standby scheduler takes over from a killed leader, and a restarted scheduler finishes a replacement", async () => {
  const log = createLogger({ level: "info", fields: { test: "standby" } });
  const mark = stepTimer(log);
  const work = await Deno.makeTempDir({ prefix: "etcd-mesos-standby-" });
  const logs = {
    a: `${work}/scheduler-a.log`,
    b: `${work}/scheduler-b.log`,
    c: `${work}/scheduler-c.log`,
  };
  const cleanup: (() => Promise<unknown>)[] = [];
  const running = new Set<SchedulerProcess>();
  const exitCodes: Record<string, number> = {};
  try {
    const zk = await startZooKeeper();
    cleanup.push(() => zk.stop());
    const artifact = await testExecutorArtifact(log);
    const { mesos } = await startTestMesos({ name: "standby", work, agents: 3, zkUrl: zk.url });
    cleanup.push(() => mesos.stop());
    mark("zookeeper, artifact and local mesos up");

    const start = (name: keyof typeof logs) => {
      const adminPort = freePort();
      const p = new SchedulerProcess(
        schedulerFlags({
          masterSpec: mesos.masterSpec,
          zkUrl: zk.url,
          adminPort,
          artifact,
          clusterSize: 3,
          extra: ["--member-grace-period=5s", "--destructive-interval=3s"],
        }),
        logs[name],
      );
      running.add(p);
      return { process: p, admin: new AdminApi(adminPort), id: `127.0.0.1:${adminPort}` };
    };
    const kill = async (name: string, s: { process: SchedulerProcess }) => {
      running.delete(s.process);
      exitCodes[name] = await s.process.kill();
    };
    const frameworks = async () =>
      (await (await fetch(`${mesos.masters[0]!.url}/master/state`)).json()).frameworks as {
        id: string;
        active: boolean;
      }[];

    // 1. A leads and brings the cluster up; B stands by.
    const a = start("a");
    await until("A leading", 30_000, async () => (await a.admin.stats()).leader === 1 || undefined);
    const b = start("b");
    const standby = await until("B standing by", 30_000, async () => {
      const h = await b.admin.healthz();
      return h.body.startsWith("standby: leader is") ? h : undefined;
    });
    assert.deepEqual(standby, { status: 200, body: `standby: leader is ${a.id}` });
    assert.equal((await b.admin.stats()).leader, 0);
    const members = await a.admin.waitHealthy(3, 90_000);
    mark("A: 3 members healthy; B standing by");
    assert.deepEqual(await b.admin.members(), [], "a standby serves no cluster state");
    assert.equal((await b.admin.healthz()).status, 200);
    const [fw] = await frameworks();
    assert.ok(fw?.active);
    assert.equal((await frameworks()).length, 1, "B did not subscribe");
    await writeKey(endpointsOf(members), KEY, "kept");
    const pids = await pidsByMember(work, members);
    assert.ok(Object.values(pids).every((p) => p.length === 1), JSON.stringify(pids));

    // 2. A dies without a word: B takes over once A's ZooKeeper session expires.
    const killedAt = Date.now();
    await kill("a", a);
    mark("A killed (SIGKILL)");
    await until("B leading", 30_000, async () => (await b.admin.stats()).leader === 1 || undefined);
    const tookOverMs = Date.now() - killedAt;
    mark("B holds the leader lock");
    assert.ok(tookOverMs < 15_000, `B took over after ${tookOverMs} ms`);
    const adopted = await b.admin.waitHealthy(3, 60_000);
    await until(
      "B reconciled",
      30_000,
      async () => (await b.admin.stats()).mutable === 1 || undefined,
    );
    mark("B: reconciled, healthy with the same 3 members");
    assert.deepEqual(adopted.map((m) => m.taskId).sort(), members.map((m) => m.taskId).sort());
    assert.equal((await b.admin.stats()).launched_servers, 0, "B relaunched nothing");
    assert.deepEqual(await pidsByMember(work, adopted), pids, "no etcd process was restarted");
    assert.deepEqual(
      (await frameworks()).map((f) => [f.id, f.active]),
      [[fw.id, true]],
      "the same framework",
    );
    assert.equal(await readKey(endpointsOf(adopted), KEY), "kept");

    // 3. A member is lost; B is killed in the middle of replacing it; C finishes the job.
    const lost = adopted.find((m) => !m.leader) ?? adopted[0]!;
    const agent = mesos.agents.find((x) => x.id === lost.agentId);
    assert.ok(agent?.killExecutor(`etcd-executor-${lost.name}-${lost.rpcPort}`), "executor killed");
    mark(`killed the executor of ${lost.name}`);
    const known = new Set(adopted.map((m) => m.taskId));
    const caught = await until("B launching a replacement", 60_000, async () => {
      const ms = await b.admin.members();
      return ms.find((m) => !known.has(m.taskId));
    });
    await kill("b", b);
    mark(`B killed (SIGKILL) while ${caught.name} was ${caught.taskState}`);
    const c = start("c");
    await until("C leading", 30_000, async () => (await c.admin.stats()).leader === 1 || undefined);
    mark("C holds the leader lock");
    const healed = await c.admin.waitHealthy(3, 90_000);
    mark("C: replacement finished, healthy with 3 members");
    assert.ok(!healed.some((m) => m.taskId === lost.taskId), "the lost member is gone");
    const survivors = adopted.filter((m) => m.taskId !== lost.taskId);
    for (const m of survivors) {
      assert.deepEqual(await etcdPids(work, m.clientPort), pids[m.name], `${m.name} untouched`);
    }
    assert.equal(await readKey(endpointsOf(healed), KEY), "kept");
    assert.equal((await frameworks()).length, 1, "still one framework");
  } catch (e) {
    for (const [name, file] of Object.entries(logs)) {
      const tail = await Deno.readTextFile(file).catch(() => "");
      log.error(`scheduler ${name} log tail`, { tail: tail.slice(-6000) });
    }
    throw e;
  } finally {
    for (const p of running) exitCodes.last = await p.stop();
    for (const step of cleanup.reverse()) await step().catch((e) => log.warn("cleanup", { e }));
    mark("everything stopped");
    const left = await pidsMentioning(work, "etcd");
    if (Deno.env.get("STANDBY_KEEP")) log.info("work dir kept", { work });
    else await Deno.remove(work, { recursive: true }).catch(() => {});
    assert.deepEqual(left, [], "no etcd process of this test is left");
  }
  assert.deepEqual(exitCodes, { a: 137, b: 137, last: 0 });
});
