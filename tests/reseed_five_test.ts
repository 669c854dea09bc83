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
import { endpointsOf, readKey, writeKey } from "./testing/etcd.ts";
import { withWorld } from "./testing/world.ts";

const KEY = "reseed-five/key";

Deno.test("auto reseed: 3 of 5 members lost → seeded from the best survivor, regrown to 5, key intact", () =>
  withWorld({
    name: "reseed-five",
    agents: 5,
    clusterSize: 5,
    schedulerFlags: ["--reseed-timeout=3s", "--destructive-interval=2s"],
  }, async (world) => {
    const { admin } = world;
    const members = await admin.waitHealthy(5, 110_000);
    world.mark("5 members healthy");
    await writeKey(endpointsOf(members), KEY, "kept");
    const survivors = members.filter((m) => !m.leader).slice(0, 2);
    const dead = members.filter((m) => !survivors.includes(m));
    assert.equal(dead.length, 3);
    // A linearizable read through each survivor alone: each has applied the write.
    for (const s of survivors) assert.equal(await readKey(endpointsOf([s]), KEY), "kept");
    world.mark(`key acknowledged by ${survivors.map((s) => s.name).join(" and ")}`);

    for (const d of dead) world.killExecutor(d);
    world.mark(`killed the executors of ${dead.map((d) => d.name).join(",")} (leader included)`);

    await admin.waitReseeded(100_000);
    world.mark("reseeded");
    const healed = await admin.waitHealthy(5, 110_000);
    world.mark("regrown to 5 healthy members");

    const [r] = (await admin.history()).reseeds;
    assert.ok(r, "a reseed in /history");
    const seed = survivors.find((s) => s.name === r.seeds[0]);
    assert.ok(seed, `the seed ${r.seeds[0]} is one of the survivors`);
    const fenced = survivors.find((s) => s !== seed)!;
    assert.ok(healed.some((m) => m.taskId === seed.taskId), "the seed's task was kept");
    for (const m of [...dead, fenced]) {
      assert.ok(!healed.some((h) => h.taskId === m.taskId), `${m.name}'s task is gone`);
    }
    assert.equal(new Set(healed.map((m) => m.agentId)).size, 5, "one member per agent");
    assert.equal(await readKey(endpointsOf(healed), KEY), "kept");
    const stats = await admin.stats();
    assert.equal(stats.cluster_reseeds, 1);
    assert.equal(stats.no_survivor, 0);
    // Both survivors ranked by raft index, the other one fenced, the best seeded, the fenced
    // one killed.
    assert.deepEqual(
      r.ranking.map((x) => x.member).sort(),
      survivors.map((s) => s.name).sort(),
      "the two survivors ranked",
    );
    assert.equal(r.ranking[0]?.member, seed.name, "the best ranked is the seed");
    assert.ok(r.fenced.includes(fenced.name), `${fenced.name} fenced: ${r.fenced}`);
    assert.deepEqual(r.seeds, [seed.name]);
    assert.deepEqual(r.killed, [fenced.name]);
    assert.equal(r.outcome, "done");
    world.mark("data, members, counters and history checked");
  }));
