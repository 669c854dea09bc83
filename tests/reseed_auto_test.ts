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
import { until } from "../lib/until.ts";
import { endpointsOf, readKey, writeKey } from "./testing/etcd.ts";
import { withWorld } from "./testing/world.ts";

const KEY = "reseed-auto/key";

Deno.test("auto reseed: 2 of 3 members lost → fenced, seeded from the survivor, regrown, key intact", () =>
  withWorld({
    name: "reseed-auto",
    agents: 3,
    schedulerFlags: ["--reseed-timeout=5s"],
  }, async (world) => {
    const { admin } = world;
    const members = await admin.waitHealthy(3, 90_000);
    world.mark("3 members healthy");
    await writeKey(endpointsOf(members), KEY, "kept");
    const survivor = members.find((m) => !m.leader) ?? members[0]!;
    const [dead, hung] = members.filter((m) => m !== survivor);
    assert.ok(dead && hung);
    // A linearizable read through the survivor alone: it has applied the write.
    assert.equal(await readKey(endpointsOf([survivor]), KEY), "kept");
    world.mark(`key acknowledged by the survivor ${survivor.name}`);

    const pid = await world.etcdPid(hung);
    world.freeze(pid);
    world.killExecutor(dead);
    world.mark(`froze ${hung.name}'s etcd (pid ${pid}) and killed ${dead.name}'s executor`);

    const phases = new Set<string>();
    await until(async () => {
      const h = await admin.healthz();
      const phase = /reseeding: ([a-z]+)/.exec(h.body)?.[1];
      if (phase) phases.add(phase);
      const stats = await admin.stats();
      return stats.cluster_reseeds >= 1 && stats.reseeding === 0;
    }, { timeoutMs: 120_000, what: "a reseed to finish" });
    world.mark(`reseeded (phases seen: ${[...phases].join(",")})`);
    const healed = await admin.waitHealthy(3, 120_000);
    world.mark("regrown to 3 healthy members");

    assert.ok(healed.some((m) => m.taskId === survivor.taskId), "the survivor's task was kept");
    assert.ok(!healed.some((m) => m.taskId === dead.taskId || m.taskId === hung.taskId));
    assert.equal(await readKey(endpointsOf(healed), KEY), "kept");
    // (A new member may use the same agent and ports; the frozen process itself is gone.)
    assert.ok(!(await world.etcdPids(hung.clientPort)).includes(pid), "the frozen etcd is gone");
    const stats = await admin.stats();
    assert.equal(stats.cluster_reseeds, 1);
    assert.ok(stats.cluster_livelocks >= 1, `cluster_livelocks ${stats.cluster_livelocks}`);
    assert.ok(stats.tasks_killed >= 1, `tasks_killed ${stats.tasks_killed}: the fenced task`);
    assert.equal(stats.no_survivor, 0);
    // What the reseed did: ranked the survivor, fenced the frozen member, seeded the
    // survivor, killed the fenced task.
    const { reseeds, kills } = await admin.history();
    assert.equal(reseeds.length, 1);
    const r = reseeds[0]!;
    assert.equal(r.source, "auto");
    assert.equal(r.outcome, "done");
    assert.deepEqual(r.ranking.map((x) => x.member), [survivor.name], "ranked by raft index");
    assert.ok(r.fenced.includes(hung.name), `${hung.name} fenced: ${r.fenced}`);
    assert.deepEqual(r.seeds, [survivor.name], "the seed order went to the survivor");
    assert.deepEqual(r.killed, [hung.name], "the fenced member was killed");
    assert.ok(kills.some((k) => k.taskId === hung.taskId && k.reseed === r.id));
    world.mark("data, processes, counters and history checked");
  }));
