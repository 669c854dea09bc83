/**
 * End to end: a seed that fails to start → the next candidate. A 5-member cluster on 5
 * agents; two followers A and B will survive. B's etcd is frozen (SIGSTOP) while more is
 * written, so A's raft index is at least B's (B may still catch up from what was already sent
 * to it) and A, launched first, ranks first. A's data dir is broken under its running etcd
 * (see `breakDataDir`), the other 3 members' executors are killed and B is thawed. The reseed
 * fences B, orders A to restart as a one-member cluster — which cannot start — fences A again
 * after the bound, seeds B and regrows to 5. The key acknowledged by both survivors before the
 * loss is intact; A's task is gone.
 *
 * Set `KEEP_WORK=1` to keep the work directory.
 *
 * @module
 */
import assert from "node:assert/strict";
import { until } from "../lib/until.ts";
import { endpointsOf, readKey, writeKey } from "./testing/etcd.ts";
import { withWorld } from "./testing/world.ts";

const KEY = "reseed-next/key";

/** The data dir of the etcd process `pid` (from its command line). */
async function dataDirOf(pid: number): Promise<string> {
  const argv = (await Deno.readTextFile(`/proc/${pid}/cmdline`)).split("\0");
  const dir = argv.find((a) => a.startsWith("--data-dir="))?.slice("--data-dir=".length);
  assert.ok(dir, `etcd ${pid} has a --data-dir`);
  return dir;
}

/**
 * Moves the member dir away under a running etcd and leaves empty `wal/` and `snap/` dirs:
 * the process keeps its open files (and its periodic purge still finds the dirs), but a
 * restart finds no WAL and, as a joined member whose peers are all down, cannot start.
 */
async function breakDataDir(dir: string): Promise<void> {
  await Deno.rename(`${dir}/member`, `${dir}/member.moved`);
  await Deno.mkdir(`${dir}/member/wal`, { recursive: true });
  await Deno.mkdir(`${dir}/member/snap`, { recursive: true });
}

Deno.test("auto reseed: the best survivor fails to start as a seed → fenced again, the next one seeds, regrown to 5", () =>
  withWorld({
    name: "reseed-next",
    agents: 5,
    clusterSize: 5,
    schedulerFlags: ["--reseed-timeout=3s", "--destructive-interval=2s"],
  }, async (world) => {
    const { admin } = world;
    const members = await admin.waitHealthy(5, 110_000);
    world.mark("5 members healthy");
    await writeKey(endpointsOf(members), KEY, "kept");
    // Two followers that joined as learners (the bootstrap member etcd-1 would start anew
    // without its WAL), in launch order: on equal raft indexes A ranks first.
    const num = (name: string) => Number(name.split("-")[1]);
    const [a, b] = members.filter((m) => !m.leader && m.name !== "etcd-1")
      .sort((x, y) => num(x.name) - num(y.name));
    assert.ok(a && b);
    const dead = members.filter((m) => m !== a && m !== b);
    for (const s of [a, b]) assert.equal(await readKey(endpointsOf([s]), KEY), "kept");
    world.mark(`key acknowledged by ${a.name} and ${b.name}`);

    // B falls behind: frozen while the others commit more.
    const pidB = await world.etcdPid(b);
    const pidA = await world.etcdPid(a);
    world.freeze(pidB);
    const others = members.filter((m) => m !== b);
    for (let i = 0; i < 5; i++) await writeKey(endpointsOf(others), `${KEY}-more`, `v${i}`);
    assert.equal(await readKey(endpointsOf([a]), `${KEY}-more`), "v4");
    // A cannot restart (see breakDataDir); the running etcd keeps its open files.
    await breakDataDir(await dataDirOf(pidA));
    for (const d of dead) world.killExecutor(d);
    // Thawed only once the others' etcd are gone: nobody is left to bring it up to date.
    await until(async () => {
      for (const d of dead) if ((await world.etcdPids(d.clientPort)).length > 0) return false;
      return true;
    }, { timeoutMs: 30_000, what: "the killed members' etcd to exit" });
    world.thaw(pidB);
    world.mark(`${a.name} ahead with a broken data dir; ${b.name} behind; 3 executors killed`);

    await admin.waitReseeded(150_000);
    world.mark("reseeded");
    const healed = await admin.waitHealthy(5, 110_000);
    world.mark("regrown to 5 healthy members");

    // A ranked first and was ordered to seed; it failed and was fenced again; B seeded.
    const [r] = (await admin.history()).reseeds;
    assert.ok(r, "a reseed in /history");
    assert.equal(
      r.ranking[0]?.member,
      a.name,
      `${a.name} ranks first: ${JSON.stringify(r.ranking)}`,
    );
    assert.deepEqual(r.seeds, [a.name, b.name], "the seed order went to A, then to B");
    assert.deepEqual(r.failedSeeds, [a.name], "A failed as a seed");
    assert.ok(r.fenced.includes(a.name), `${a.name} fenced again: ${r.fenced}`);
    assert.equal(r.outcome, "done");
    assert.ok(healed.some((m) => m.taskId === b.taskId), `${b.name}'s task seeded and kept`);
    assert.ok(!healed.some((m) => m.taskId === a.taskId), `${a.name}'s task is gone`);
    assert.equal(await readKey(endpointsOf(healed), KEY), "kept");
    const stats = await admin.stats();
    assert.equal(stats.cluster_reseeds, 1);
    world.mark("ranking, failover to the next candidate, data and counters checked");
  }));
