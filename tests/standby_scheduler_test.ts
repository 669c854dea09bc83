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
 * Set `KEEP_WORK=1` to keep the work directory (scheduler logs, sandboxes).
 *
 * @module
 */
import assert from "node:assert/strict";
import { until } from "../lib/until.ts";
import { endpointsOf, readKey, writeKey } from "./testing/etcd.ts";
import { withWorld } from "./testing/world.ts";

const KEY = "standby/key";

Deno.test("a standby scheduler takes over from a killed leader, and a restarted scheduler finishes a replacement", () =>
  withWorld({
    name: "standby",
    zookeeper: true,
    agents: 3,
    scheduler: false,
    schedulerFlags: ["--member-grace-period=5s", "--destructive-interval=3s"],
  }, async (world) => {
    const frameworks = async () =>
      (await (await fetch(`${world.masters[0]!.url}/master/state`)).json()).frameworks as {
        id: string;
        active: boolean;
      }[];

    // 1. A leads and brings the cluster up; B stands by.
    const a = world.startScheduler({ name: "a" });
    await a.admin.waitLeading(30_000);
    const b = world.startScheduler({ name: "b" });
    const standby = await until(async () => {
      const h = await b.admin.healthz();
      return h.body.startsWith("standby: leader is") ? h : undefined;
    }, { timeoutMs: 30_000, what: "B standing by" });
    assert.deepEqual(standby, { status: 200, body: `standby: leader is ${a.id}` });
    assert.equal((await b.admin.stats()).leader, 0);
    const members = await a.admin.waitHealthy(3, 90_000);
    world.mark("A: 3 members healthy; B standing by");
    assert.deepEqual(await b.admin.members(), [], "a standby serves no cluster state");
    assert.equal((await b.admin.healthz()).status, 200);
    const [fw] = await frameworks();
    assert.ok(fw?.active);
    assert.equal((await frameworks()).length, 1, "B did not subscribe");
    assert.equal((await b.admin.stats()).subscriptions, 0, "B did not subscribe");
    await writeKey(endpointsOf(members), KEY, "kept");
    const pids = await world.pidsByMember(members);
    assert.ok(Object.values(pids).every((p) => p.length === 1), JSON.stringify(pids));

    // 2. A dies without a word: B takes over once A's ZooKeeper session expires.
    const killedAt = Date.now();
    assert.equal(await a.kill(), 137);
    world.mark("A killed (SIGKILL)");
    await b.admin.waitLeading(30_000);
    const tookOverMs = Date.now() - killedAt;
    world.mark("B holds the leader lock");
    assert.ok(tookOverMs < 15_000, `B took over after ${tookOverMs} ms`);
    const adopted = await b.admin.waitHealthy(3, 60_000);
    await b.admin.waitMutable(30_000);
    world.mark("B: reconciled, healthy with the same 3 members");
    assert.deepEqual(adopted.map((m) => m.taskId).sort(), members.map((m) => m.taskId).sort());
    const bStats = await b.admin.stats();
    assert.equal(bStats.launched_servers, 0, "B relaunched nothing");
    assert.equal(bStats.tasks_adopted, 3, "B adopted the 3 running tasks");
    assert.deepEqual(await world.pidsByMember(adopted), pids, "no etcd process was restarted");
    assert.deepEqual(
      (await frameworks()).map((f) => [f.id, f.active]),
      [[fw.id, true]],
      "the same framework",
    );
    assert.equal(await readKey(endpointsOf(adopted), KEY), "kept");

    // 3. A member is lost; B is killed in the middle of replacing it; C finishes the job.
    const lost = adopted.find((m) => !m.leader) ?? adopted[0]!;
    world.killExecutor(lost);
    world.mark(`killed the executor of ${lost.name}`);
    const known = new Set(adopted.map((m) => m.taskId));
    const caught = await until(
      async () => (await b.admin.members()).find((m) => !known.has(m.taskId)),
      { timeoutMs: 60_000, what: "B launching a replacement" },
    );
    assert.equal(await b.kill(), 137);
    world.mark(`B killed (SIGKILL) while ${caught.name} was ${caught.taskState}`);
    const c = world.startScheduler({ name: "c" });
    await c.admin.waitLeading(30_000);
    world.mark("C holds the leader lock");
    const healed = await c.admin.waitHealthy(3, 90_000);
    world.mark("C: replacement finished, healthy with 3 members");
    assert.ok(!healed.some((m) => m.taskId === lost.taskId), "the lost member is gone");
    const survivors = adopted.filter((m) => m.taskId !== lost.taskId);
    for (const m of survivors) {
      assert.deepEqual(await world.etcdPids(m.clientPort), pids[m.name], `${m.name} untouched`);
    }
    assert.equal(await readKey(endpointsOf(healed), KEY), "kept");
    assert.equal((await frameworks()).length, 1, "still one framework");
  }));
