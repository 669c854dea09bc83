/**
 * End to end: with `--auto-reseed=false` a cluster that lost quorum is left alone until an
 * operator calls `POST /reseed` with the admin token. Real ZooKeeper (master registration,
 * framework id), the local Mesos (1 master, 3 agents), the scheduler as a process. Two of
 * three members' executors are killed; past `--reseed-timeout` nothing happens; a request
 * without the token is refused (401); with it the scheduler answers 202 with its decision,
 * seeds from the survivor and regrows to 3 with the data; a later request is refused (409)
 * because quorum is not lost.
 *
 * Set `KEEP_WORK=1` to keep the work directory.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createLogger } from "../lib/log.ts";
import { killAll, processesUnder } from "../localcluster/leftovers.ts";
import { freePort } from "../localcluster/ports.ts";
import { startZooKeeper } from "../lib/zk/testing/zookeeper_server.ts";
import { schedulerFlags, startTestMesos, testExecutorArtifact } from "./e2e_env.ts";
import {
  AdminApi,
  endpointsOf,
  readKey,
  SchedulerProcess,
  stepTimer,
  until,
  writeKey,
} from "./scheduler_harness.ts";

const KEY = "reseed-admin/key";
const TOKEN = "reseed-admin-token";

Deno.test("reseed with --auto-reseed=false happens only on POST /reseed with the token", async () => {
  const log = createLogger({ level: "info", fields: { test: "reseed-admin" } });
  const mark = stepTimer(log);
  const work = await Deno.realPath(await Deno.makeTempDir({ prefix: "etcd-mesos-reseed-admin-" }));
  const schedulerLog = `${work}/scheduler.log`;
  const cleanup: (() => Promise<unknown>)[] = [];
  let scheduler: SchedulerProcess | undefined;
  let schedulerExit: number | undefined;
  const post = async (token?: string) => {
    const res = await fetch(`http://127.0.0.1:${adminPort}/reseed`, {
      method: "POST",
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    return { status: res.status, body: await res.text() };
  };
  const adminPort = freePort();
  try {
    const zk = await startZooKeeper();
    cleanup.push(() => zk.stop());
    const artifact = await testExecutorArtifact(log);
    const { mesos } = await startTestMesos({
      name: "reseed-admin",
      work,
      agents: 3,
      zkUrl: zk.url,
    });
    cleanup.push(() => mesos.stop());
    mark("zookeeper and local mesos up");
    scheduler = new SchedulerProcess(
      schedulerFlags({
        masterSpec: mesos.masterSpec,
        zkUrl: zk.url,
        adminPort,
        artifact,
        clusterSize: 3,
        extra: [
          "--framework-name=reseed-admin",
          `--admin-token=${TOKEN}`,
          "--reseed-timeout=3s",
          "--auto-reseed=false",
        ],
      }),
      schedulerLog,
    );
    const admin = new AdminApi(adminPort);

    const members = await admin.waitHealthy(3, 90_000);
    mark("3 members healthy");
    await writeKey(endpointsOf(members), KEY, "kept");
    const survivor = members.find((m) => !m.leader) ?? members[0]!;
    assert.equal(await readKey(endpointsOf([survivor]), KEY), "kept");
    const refusedHealthy = await post(TOKEN);
    assert.equal(refusedHealthy.status, 409);
    assert.match(refusedHealthy.body, /^reseed refused: quorum is not lost: 3 of 3 voting members/);

    for (const m of members.filter((x) => x !== survivor)) {
      const agent = mesos.agents.find((a) => a.id === m.agentId);
      assert.ok(agent?.killExecutor(`etcd-executor-${m.name}-${m.rpcPort}`), `${m.name} killed`);
    }
    mark(`killed 2 executors; ${survivor.name} survives`);

    // Quorum is lost, and stays lost past --reseed-timeout: nothing happens by itself.
    await until("quorum loss to be noticed", 60_000, async () => {
      const s = await admin.stats();
      return s.cluster_livelocks >= 1 ? s : undefined;
    });
    await new Promise((r) => setTimeout(r, 6_000));
    const idle = await admin.stats();
    assert.equal(idle.cluster_reseeds, 0, "no automatic reseed");
    assert.equal(idle.reseeding, 0);
    const h = await admin.healthz();
    assert.equal(h.status, 503);
    assert.match(h.body, /voting members reachable/);
    mark("no reseed without an operator");

    const unauthorized = await post();
    assert.equal(unauthorized.status, 401);
    const wrong = await post("not-the-token");
    assert.equal(wrong.status, 401);
    assert.equal((await admin.stats()).reseeding, 0);
    const accepted = await post(TOKEN);
    assert.equal(accepted.status, 202, accepted.body);
    assert.match(
      accepted.body,
      new RegExp(
        `^reseeding: reseed-1 started: quorum lost .*best survivor so far ${survivor.name}`,
      ),
    );
    mark("POST /reseed accepted");

    await until("the reseed to finish", 90_000, async () => {
      const s = await admin.stats();
      return s.cluster_reseeds === 1 && s.reseeding === 0 ? true : undefined;
    });
    const healed = await admin.waitHealthy(3, 120_000);
    mark("reseeded and regrown to 3");
    assert.ok(healed.some((m) => m.taskId === survivor.taskId), "the survivor's task was kept");
    assert.equal(await readKey(endpointsOf(healed), KEY), "kept");
    const again = await post(TOKEN);
    assert.equal(again.status, 409);
    assert.match(again.body, /quorum is not lost/);
    const text = await Deno.readTextFile(schedulerLog);
    assert.match(text, /operator reseed accepted/);
    assert.ok(!text.includes(TOKEN), "the token is never logged");
  } catch (e) {
    const tail = await Deno.readTextFile(schedulerLog).catch(() => "");
    log.error("scheduler log tail", { tail: tail.slice(-12_000) });
    throw e;
  } finally {
    if (scheduler) schedulerExit = await scheduler.stop();
    for (const step of cleanup.reverse()) await step().catch((e) => log.warn("cleanup", { e }));
    const left = await processesUnder(work);
    killAll(left);
    if (Deno.env.get("KEEP_WORK")) log.info("work dir kept", { work });
    else await Deno.remove(work, { recursive: true }).catch(() => {});
    mark("everything stopped");
    assert.deepEqual(left.map((p) => p.pid), [], "no process of this test is left");
  }
  assert.equal(schedulerExit, 0, "the scheduler stops gracefully on SIGTERM");
});
