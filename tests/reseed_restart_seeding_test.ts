/**
 * End to end: the scheduler is killed (SIGKILL) right after it ordered the seed, and
 * restarted. Real ZooKeeper, two local masters, 3 agents, `--reseed-timeout=5s`, grace period
 * 10 s.
 *
 * A 3-member cluster loses 2 members: one executor is killed, another member's etcd is frozen
 * with SIGSTOP. The first scheduler fences the frozen member (its executor stops etcd) and
 * orders the survivor to restart as a one-member cluster; it is killed at once. The
 * survivor's executor carries the order out; the restarted scheduler adopts a healthy
 * one-member cluster, kills the fenced task (unreachable beyond the grace period, now that
 * the cluster is healthy) and regrows to 3 without a second reseed. The key acknowledged by the
 * survivor before the loss is intact.
 *
 * Seeds are held (see `holdSeeds`) until the first scheduler is dead: the survivor's executor
 * carries the order out at once, but its etcd with `--force-new-cluster` starts only once
 * released, so the first scheduler cannot see the seed healthy. "Killed right after ordering
 * the seed, before it saw the seed healthy" holds by construction, not by timing.
 *
 * @module
 */
import assert from "node:assert/strict";
import { endpointsOf, readKey, writeKey } from "./testing/etcd.ts";
import { withWorld } from "./testing/world.ts";

const KEY = "reseed-restart-seeding/key";

Deno.test("scheduler killed right after ordering the seed and restarted → adopts the seed, drops the fenced member, regrows, key intact", () =>
  withWorld({
    name: "reseed-restart-seeding",
    zookeeper: true,
    masters: 2,
    agents: 3,
    schedulerFlags: ["--reseed-timeout=5s"],
    masterOptions: { agentReregisterTimeoutMs: 10_000 },
    holdSeeds: true,
  }, async (world) => {
    const first = world.scheduler;
    const members = await first.admin.waitHealthy(3, 90_000);
    world.mark("3 members healthy");
    await writeKey(endpointsOf(members), KEY, "kept");
    const survivor = members.find((m) => !m.leader) ?? members[0]!;
    const [dead, hung] = members.filter((m) => m !== survivor);
    assert.ok(dead && hung);
    assert.equal(await readKey(endpointsOf([survivor]), KEY), "kept");

    const pid = await world.etcdPid(hung);
    world.freeze(pid);
    world.killExecutor(dead);
    world.mark(`froze ${hung.name}'s etcd and killed ${dead.name}'s executor`);

    const ordered = await first.admin.waitReseed(
      "the first scheduler to order the seed",
      (r) => r.seeds.includes(survivor.name),
      90_000,
    );
    assert.equal(await first.kill(), 137);
    // Its last word: the seed ordered, not yet answered, not seen healthy.
    assert.equal(ordered.phase, "seeding", "killed before it saw the seed healthy");
    assert.equal(ordered.outcome, undefined);
    assert.deepEqual(
      ordered.orders.filter((o) => o.op === "reseed"),
      [{ op: "reseed", member: survivor.name, state: "sent" }],
    );
    await world.releaseSeeds();
    const second = world.startScheduler();
    world.mark("first scheduler killed (SIGKILL) after ordering the seed; a new one started");

    const healed = await second.admin.waitHealthy(3, 110_000);
    world.mark("the restarted scheduler regrew the cluster to 3");
    const stats = await second.admin.stats();
    assert.ok(stats.tasks_adopted >= 1, `tasks_adopted ${stats.tasks_adopted}`);
    const { kills, reseeds } = await second.admin.history();
    assert.ok(
      kills.some((k) =>
        k.taskId === hung.taskId && k.reseed === undefined && k.reason.includes("unreachable for")
      ),
      `${hung.name} killed as unreachable: ${JSON.stringify(kills)}`,
    );
    assert.deepEqual(reseeds, [], "no second reseed");
    assert.ok(healed.some((m) => m.taskId === survivor.taskId), "the seed's task was kept");
    assert.ok(!healed.some((m) => m.taskId === dead.taskId || m.taskId === hung.taskId));
    assert.equal(await readKey(endpointsOf(healed), KEY), "kept");
    assert.ok(!(await world.etcdPids(hung.clientPort)).includes(pid), "the frozen etcd is gone");
    assert.equal(stats.cluster_reseeds, 0, "no second reseed");
    assert.equal(stats.no_survivor, 0);
    world.mark("history, members, counters and data checked");
  }));
