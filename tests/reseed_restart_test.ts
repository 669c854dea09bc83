/**
 * End to end: the scheduler is killed (SIGKILL) in the middle of a reseed and restarted; the
 * restarted scheduler, which keeps no reseed state, completes the recovery. Real ZooKeeper
 * (the framework id is persisted there), two local masters, 3 agents, the executor artifact,
 * `--reseed-timeout=5s`.
 *
 * A 3-member cluster loses 2 members: one executor is killed, another member's etcd is frozen
 * with SIGSTOP. The first scheduler starts the reseed and is killed as soon as it has sent the
 * fence order (its executor carries on and stops the frozen etcd). The restarted scheduler
 * adopts the tasks, finds quorum still lost (the survivor reachable, the fenced member's etcd
 * stopped), runs its own reseed from the survivor and regrows to 3. A key acknowledged by the
 * survivor before the loss is intact.
 *
 * The frozen etcd ignores the fence's SIGTERM, so its executor confirms the fence only after
 * its kill grace period (10 s): the first scheduler, killed as soon as `/history` shows the
 * fence order, cannot have ordered the seed yet.
 *
 * @module
 */
import assert from "node:assert/strict";
import { endpointsOf, readKey, writeKey } from "./testing/etcd.ts";
import { withWorld } from "./testing/world.ts";

const KEY = "reseed-restart/key";

Deno.test("scheduler killed while fencing and restarted → the restarted scheduler reseeds and regrows, key intact", () =>
  withWorld({
    name: "reseed-restart",
    zookeeper: true,
    masters: 2,
    agents: 3,
    schedulerFlags: ["--reseed-timeout=5s"],
    masterOptions: { agentReregisterTimeoutMs: 10_000 },
  }, async (world) => {
    const first = world.scheduler;
    const members = await first.admin.waitHealthy(3, 90_000);
    world.mark("3 members healthy");
    await writeKey(endpointsOf(members), KEY, "kept");
    const survivor = members.find((m) => !m.leader) ?? members[0]!;
    const [dead, hung] = members.filter((m) => m !== survivor);
    assert.ok(dead && hung);
    assert.equal(await readKey(endpointsOf([survivor]), KEY), "kept");
    world.mark(`key acknowledged by the survivor ${survivor.name}`);

    const pid = await world.etcdPid(hung);
    world.freeze(pid);
    world.killExecutor(dead);
    world.mark(`froze ${hung.name}'s etcd and killed ${dead.name}'s executor`);

    const fencing = await first.admin.waitReseed(
      "the first scheduler to fence",
      (r) => r.fenced.includes(hung.name),
      90_000,
    );
    assert.equal(await first.kill(), 137);
    assert.equal(fencing.phase, "fencing");
    assert.deepEqual(fencing.seeds, [], "killed before seeding");
    const second = world.startScheduler();
    world.mark("first scheduler killed (SIGKILL) while fencing; a new one started");

    await second.admin.waitReseeded(90_000);
    world.mark("the restarted scheduler reseeded");
    const healed = await second.admin.waitHealthy(3, 90_000);
    world.mark("regrown to 3 healthy members");

    const stats = await second.admin.stats();
    assert.ok(stats.tasks_adopted >= 1, `tasks_adopted ${stats.tasks_adopted}`);
    const { reseeds } = await second.admin.history();
    assert.deepEqual(reseeds.map((r) => [r.seeds, r.outcome]), [[[survivor.name], "done"]]);
    assert.ok(healed.some((m) => m.taskId === survivor.taskId), "the survivor's task was kept");
    assert.ok(!healed.some((m) => m.taskId === dead.taskId || m.taskId === hung.taskId));
    assert.equal(await readKey(endpointsOf(healed), KEY), "kept");
    assert.ok(!(await world.etcdPids(hung.clientPort)).includes(pid), "the frozen etcd is gone");
    assert.equal(stats.cluster_reseeds, 1, "one reseed by the restarted scheduler");
    assert.equal(stats.no_survivor, 0);
    world.mark("data, members, counters and history checked");
  }));
