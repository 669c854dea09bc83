/**
 * End to end: automatic reseed after quorum loss. A 3-member cluster on a local Mesos of 3
 * agents loses 2 members at once: one member's executor is killed (its task ends, nothing
 * restarts it) and another's etcd is frozen with SIGSTOP (its task still runs, its etcd
 * answers nobody). After `--reseed-timeout` without quorum the scheduler ranks the one
 * reachable survivor, fences the frozen member (its executor stops etcd, keeping the data),
 * seeds the survivor with `--force-new-cluster`, kills the fenced task and regrows to 3. A
 * key acknowledged by the survivor before the loss is still there.
 *
 * Set `KEEP_WORK=1` to keep the work directory.
 *
 * @module
 */
import assert from "node:assert/strict";
import { startEphemeralCluster } from "./ephemeral_cluster.ts";
import { endpointsOf, etcdPids, readKey, stepTimer, until, writeKey } from "./scheduler_harness.ts";

const KEY = "reseed-auto/key";

Deno.test("auto reseed: 2 of 3 members lost → fenced, seeded from the survivor, regrown, key intact", async () => {
  const c = await startEphemeralCluster({
    name: "reseed-auto",
    agents: 3,
    clusterSize: 3,
    schedulerArgs: ["--reseed-timeout=5s"],
  });
  const mark = stepTimer(c.log);
  let stopped: { schedulerExit: number; left: number[] } | undefined;
  let frozen: number | undefined;
  try {
    const members = await c.admin.waitHealthy(3, 90_000);
    mark("3 members healthy");
    await writeKey(endpointsOf(members), KEY, "kept");
    const survivor = members.find((m) => !m.leader) ?? members[0]!;
    const [dead, hung] = members.filter((m) => m !== survivor);
    assert.ok(dead && hung);
    // A linearizable read through the survivor alone: it has applied the write.
    assert.equal(await readKey(endpointsOf([survivor]), KEY), "kept");
    mark(`key acknowledged by the survivor ${survivor.name}`);

    const [pid] = await etcdPids(c.work, hung.clientPort);
    assert.ok(pid, `${hung.name}'s etcd process`);
    frozen = pid;
    Deno.kill(pid, "SIGSTOP");
    const agent = c.mesos.agents.find((a) => a.id === dead.agentId);
    assert.ok(agent?.killExecutor(`etcd-executor-${dead.name}-${dead.rpcPort}`), "executor killed");
    mark(`froze ${hung.name}'s etcd (pid ${pid}) and killed ${dead.name}'s executor`);

    const phases = new Set<string>();
    await until("a reseed to finish", 120_000, async () => {
      const h = await c.admin.healthz();
      const phase = /reseeding: ([a-z]+)/.exec(h.body)?.[1];
      if (phase) phases.add(phase);
      const stats = await c.admin.stats();
      return stats.cluster_reseeds >= 1 && stats.reseeding === 0 ? true : undefined;
    });
    mark(`reseeded (phases seen: ${[...phases].join(",")})`);
    const healed = await c.admin.waitHealthy(3, 120_000);
    mark("regrown to 3 healthy members");

    assert.ok(healed.some((m) => m.taskId === survivor.taskId), "the survivor's task was kept");
    assert.ok(!healed.some((m) => m.taskId === dead.taskId || m.taskId === hung.taskId));
    assert.equal(await readKey(endpointsOf(healed), KEY), "kept");
    // (A new member may use the same agent and ports; the frozen process itself is gone.)
    assert.ok(!(await etcdPids(c.work, hung.clientPort)).includes(pid), "the frozen etcd is gone");
    frozen = undefined;
    const stats = await c.admin.stats();
    assert.equal(stats.cluster_reseeds, 1);
    assert.ok(stats.cluster_livelocks >= 1, `cluster_livelocks ${stats.cluster_livelocks}`);
    assert.ok(stats.tasks_killed >= 1, `tasks_killed ${stats.tasks_killed}: the fenced task`);
    assert.equal(stats.no_survivor, 0);
    const log = await Deno.readTextFile(c.schedulerLog);
    assert.match(log, new RegExp(`survivors ranked by raft index.*${survivor.name}@`));
    assert.match(log, new RegExp(`order stop sent.*member=${hung.name}`));
    assert.match(log, new RegExp(`order reseed sent.*member=${survivor.name}`));
    assert.match(log, new RegExp(`reseed: killing a fenced member.*member=${hung.name}`));
    mark("data, processes, counters and log checked");
  } catch (e) {
    c.log.error("scheduler log tail", { tail: await c.schedulerTail(12_000) });
    throw e;
  } finally {
    if (frozen !== undefined) {
      try {
        Deno.kill(frozen, "SIGKILL");
      } catch {
        // gone
      }
    }
    stopped = await c.stop();
    mark("everything stopped");
  }
  assert.equal(stopped.schedulerExit, 0, "the scheduler stops gracefully on SIGTERM");
  assert.deepEqual(stopped.left, [], "no process of this test is left");
});
