/**
 * End to end: automatic reseed of a 5-member cluster after 3 members are lost. On a local
 * Mesos of 5 agents, three members' executors are killed (their tasks end and stay dead; no
 * quorum means the scheduler cannot add replacements). After `--reseed-timeout` without
 * quorum the scheduler ranks the two reachable survivors by raft index, fences the other one,
 * seeds the best with `--force-new-cluster`, kills the fenced task and regrows to 5 one member
 * at a time. A key acknowledged by both survivors before the loss is still there.
 *
 * Set `KEEP_WORK=1` to keep the work directory.
 *
 * @module
 */
import assert from "node:assert/strict";
import { startEphemeralCluster } from "./ephemeral_cluster.ts";
import { endpointsOf, readKey, stepTimer, until, writeKey } from "./scheduler_harness.ts";

const KEY = "reseed-five/key";

Deno.test("auto reseed: 3 of 5 members lost → seeded from the best survivor, regrown to 5, key intact", async () => {
  const c = await startEphemeralCluster({
    name: "reseed-five",
    agents: 5,
    clusterSize: 5,
    schedulerArgs: ["--reseed-timeout=3s", "--destructive-interval=2s"],
  });
  const mark = stepTimer(c.log);
  let stopped: { schedulerExit: number; left: number[] } | undefined;
  try {
    const members = await c.admin.waitHealthy(5, 110_000);
    mark("5 members healthy");
    await writeKey(endpointsOf(members), KEY, "kept");
    const survivors = members.filter((m) => !m.leader).slice(0, 2);
    const dead = members.filter((m) => !survivors.includes(m));
    assert.equal(dead.length, 3);
    // A linearizable read through each survivor alone: each has applied the write.
    for (const s of survivors) assert.equal(await readKey(endpointsOf([s]), KEY), "kept");
    mark(`key acknowledged by ${survivors.map((s) => s.name).join(" and ")}`);

    for (const d of dead) {
      const agent = c.mesos.agents.find((a) => a.id === d.agentId);
      assert.ok(agent?.killExecutor(`etcd-executor-${d.name}-${d.rpcPort}`), `${d.name} killed`);
    }
    mark(`killed the executors of ${dead.map((d) => d.name).join(",")} (leader included)`);

    await until("a reseed to finish", 100_000, async () => {
      const stats = await c.admin.stats();
      return stats.cluster_reseeds >= 1 && stats.reseeding === 0 ? true : undefined;
    });
    mark("reseeded");
    const healed = await c.admin.waitHealthy(5, 110_000);
    mark("regrown to 5 healthy members");

    const log = await Deno.readTextFile(c.schedulerLog);
    const seedName = /reseed: seeding.*seed=(\S+)/.exec(log)?.[1];
    const seed = survivors.find((s) => s.name === seedName);
    assert.ok(seed, `the seed ${seedName} is one of the survivors`);
    const fenced = survivors.find((s) => s !== seed)!;
    assert.ok(healed.some((m) => m.taskId === seed.taskId), "the seed's task was kept");
    for (const m of [...dead, fenced]) {
      assert.ok(!healed.some((h) => h.taskId === m.taskId), `${m.name}'s task is gone`);
    }
    assert.equal(new Set(healed.map((m) => m.agentId)).size, 5, "one member per agent");
    assert.equal(await readKey(endpointsOf(healed), KEY), "kept");
    const stats = await c.admin.stats();
    assert.equal(stats.cluster_reseeds, 1);
    assert.equal(stats.no_survivor, 0);
    assert.match(log, /survivors ranked by raft index/);
    assert.match(log, new RegExp(`order stop sent.*member=${fenced.name}`));
    assert.match(log, new RegExp(`order reseed sent.*member=${seed.name}`));
    assert.match(log, new RegExp(`reseed: killing a fenced member.*member=${fenced.name}`));
    mark("data, members, counters and log checked");
  } catch (e) {
    c.log.error("scheduler log tail", { tail: await c.schedulerTail(12_000) });
    throw e;
  } finally {
    stopped = await c.stop();
    mark("everything stopped");
  }
  assert.equal(stopped.schedulerExit, 0, "the scheduler stops gracefully on SIGTERM");
  assert.deepEqual(stopped.left, [], "no process of this test is left");
});
