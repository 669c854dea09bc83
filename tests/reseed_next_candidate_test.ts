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
import { startEphemeralCluster } from "./ephemeral_cluster.ts";
import { endpointsOf, etcdPids, readKey, stepTimer, until, writeKey } from "./scheduler_harness.ts";

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

Deno.test("auto reseed: the best survivor fails to start as a seed → fenced again, the next one seeds, regrown to 5", async () => {
  const c = await startEphemeralCluster({
    name: "reseed-next",
    agents: 5,
    clusterSize: 5,
    schedulerArgs: ["--reseed-timeout=3s", "--destructive-interval=2s"],
  });
  const mark = stepTimer(c.log);
  let stopped: { schedulerExit: number; left: number[] } | undefined;
  let frozen: number | undefined;
  try {
    const members = await c.admin.waitHealthy(5, 110_000);
    mark("5 members healthy");
    await writeKey(endpointsOf(members), KEY, "kept");
    // Two followers that joined as learners (the bootstrap member etcd-1 would start anew
    // without its WAL), in launch order: on equal raft indexes A ranks first.
    const num = (name: string) => Number(name.split("-")[1]);
    const [a, b] = members.filter((m) => !m.leader && m.name !== "etcd-1")
      .sort((x, y) => num(x.name) - num(y.name));
    assert.ok(a && b);
    const dead = members.filter((m) => m !== a && m !== b);
    for (const s of [a, b]) assert.equal(await readKey(endpointsOf([s]), KEY), "kept");
    mark(`key acknowledged by ${a.name} and ${b.name}`);

    // B falls behind: frozen while the others commit more.
    const [pidB] = await etcdPids(c.work, b.clientPort);
    const [pidA] = await etcdPids(c.work, a.clientPort);
    assert.ok(pidA && pidB);
    Deno.kill(pidB, "SIGSTOP");
    frozen = pidB;
    const others = members.filter((m) => m !== b);
    for (let i = 0; i < 5; i++) await writeKey(endpointsOf(others), `${KEY}-more`, `v${i}`);
    assert.equal(await readKey(endpointsOf([a]), `${KEY}-more`), "v4");
    // A cannot restart (see breakDataDir); the running etcd keeps its open files.
    const dataA = await dataDirOf(pidA);
    await breakDataDir(dataA);
    for (const d of dead) {
      const agent = c.mesos.agents.find((x) => x.id === d.agentId);
      assert.ok(agent?.killExecutor(`etcd-executor-${d.name}-${d.rpcPort}`), `${d.name} killed`);
    }
    // Thawed only once the others' etcd are gone: nobody is left to bring it up to date.
    await until("the killed members' etcd to exit", 30_000, async () => {
      for (const d of dead) if ((await etcdPids(c.work, d.clientPort)).length > 0) return undefined;
      return true;
    });
    Deno.kill(pidB, "SIGCONT");
    frozen = undefined;
    mark(`${a.name} ahead with a broken data dir; ${b.name} behind; 3 executors killed`);

    await until("a reseed to finish", 150_000, async () => {
      const stats = await c.admin.stats();
      return stats.cluster_reseeds >= 1 && stats.reseeding === 0 ? true : undefined;
    });
    mark("reseeded");
    const healed = await c.admin.waitHealthy(5, 110_000);
    mark("regrown to 5 healthy members");

    const log = await Deno.readTextFile(c.schedulerLog);
    assert.match(log, new RegExp(`survivors ranked by raft index.*ranking="?${a.name}@`));
    assert.match(log, new RegExp(`order reseed sent.*member=${a.name}`));
    assert.match(log, new RegExp(`reseed: seed failed; fencing it again.*seed=${a.name}`));
    assert.match(log, new RegExp(`order reseed sent.*member=${b.name}`));
    assert.ok(healed.some((m) => m.taskId === b.taskId), `${b.name}'s task seeded and kept`);
    assert.ok(!healed.some((m) => m.taskId === a.taskId), `${a.name}'s task is gone`);
    assert.equal(await readKey(endpointsOf(healed), KEY), "kept");
    const stats = await c.admin.stats();
    assert.equal(stats.cluster_reseeds, 1);
    mark("ranking, failover to the next candidate, data and counters checked");
  } catch (e) {
    c.log.error("scheduler log tail", { tail: await c.schedulerTail(12_000) });
    throw e;
  } finally {
    if (frozen !== undefined) Deno.kill(frozen, "SIGCONT");
    stopped = await c.stop();
    mark("everything stopped");
  }
  assert.equal(stopped.schedulerExit, 0, "the scheduler stops gracefully on SIGTERM");
  assert.deepEqual(stopped.left, [], "no process of this test is left");
});
