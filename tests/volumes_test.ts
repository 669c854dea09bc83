/**
 * End to end (issue 12, persistent volumes): with `--role=etcd` each member runs on reserved
 * resources with its data on a persistent volume. Every executor is SIGKILLed at once (their
 * etcds die with them): the cluster comes back relaunched in place — the same 3 etcd member
 * ids, no reseed, no member removed or added — and the data written before is still there.
 * Then an operator replaces one member (`POST /members/<name>/replace`): it is removed and a
 * new member is added, and its old reservation is destroyed and unreserved.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { MemberView } from "../scheduler/core/views.ts";
import { executorProcessPids } from "../lib/localmesos/agent/testing/agent_process.ts";
import { until } from "../lib/until.ts";
import type { AdminClient } from "./testing/admin.ts";
import { firstRestoreDone, startRestore, takeBackup, withStoreDir } from "./testing/backups.ts";
import { executorIdOf, memberEtcdPids } from "./testing/stuck.ts";
import { withWorld, type World } from "./testing/world.ts";

const TOKEN = "volumes-test-token";

async function etcdctl(endpoint: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command("/usr/bin/etcdctl", {
    args: [`--endpoints=${endpoint}`, "--command-timeout=5s", ...args],
    env: { ETCDCTL_API: "3" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(`etcdctl ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
  return text;
}

const endpoint = (m: MemberView) => `http://${m.host}:${m.clientPort}`;
const ids = (ms: MemberView[]) => ms.map((m) => `${m.name}=${m.memberId}`).sort();

/** The value of `key` read through `m` (empty when there is none). */
const valueAt = async (m: MemberView, key: string) =>
  (await etcdctl(endpoint(m), "get", key, "--print-value-only")).trim();

/** Waits for 3 running, healthy members none of which runs a task of `old`; the members. */
function relaunched(admin: AdminClient, old: MemberView[], what: string): Promise<MemberView[]> {
  return until(async () => {
    const now = await admin.members().catch(() => []);
    const fresh = now.filter((m) =>
      m.taskState === "TASK_RUNNING" && m.healthy && !old.some((o) => o.taskId === m.taskId)
    );
    return fresh.length === 3 && await admin.healthy() ? now : undefined;
  }, { timeoutMs: 120_000, what });
}

/** Waits for 3 healthy voting members, `name` not among them; the members. */
function replacedWithout(admin: AdminClient, name: string, what: string): Promise<MemberView[]> {
  return until(async () => {
    const now = await admin.members().catch(() => []);
    const ok = now.length === 3 && !now.some((m) => m.name === name) &&
      now.every((m) => m.healthy && !m.learner) && await admin.healthy();
    return ok ? now : undefined;
  }, { timeoutMs: 120_000, what });
}

/** SIGKILLs the process group of every member's executor (its etcd too). */
async function killAllExecutors(world: World, members: MemberView[]): Promise<void> {
  for (const m of members) {
    const pids = await executorProcessPids(world.work, executorIdOf(m));
    assert.equal(pids.length, 1, `one executor process of ${m.name}`);
    const etcds = await memberEtcdPids(world.work, m);
    Deno.kill(-pids[0]!, "SIGKILL");
    for (const pid of etcds) Deno.kill(pid, "SIGKILL");
  }
  world.mark(`SIGKILL every executor and its etcd (${members.map((m) => m.name).join(", ")})`);
}

async function reservedOnAgents(world: World): Promise<number> {
  let count = 0;
  for (const agent of world.agents) {
    const state = await (await fetch(`${agent.url}/slave(1)/state`)).json();
    count += (state.reserved_resources_full?.etcd ?? []).filter(
      (r: { disk?: { persistence?: unknown } }) => r.disk?.persistence !== undefined,
    ).length;
  }
  return count;
}

Deno.test("persistent volumes: every executor killed → same member ids, same data, no reseed; replace via the admin API", () =>
  withWorld({
    name: "volumes",
    agents: 4,
    schedulerFlags: ["--role=etcd", `--admin-token=${TOKEN}`, "--reseed-timeout=120s"],
  }, async (world) => {
    const members = await world.admin.waitHealthy(3, 90_000);
    world.mark("3 members healthy");
    assert.equal(await reservedOnAgents(world), 3, "one volume per member");
    await etcdctl(endpoint(members[0]!), "put", "volumes-test-key", "kept");
    const before = await world.admin.stats();

    await killAllExecutors(world, members);
    const back = await relaunched(world.admin, members, "3 relaunched members healthy");
    world.mark("3 members relaunched in place and healthy");
    assert.deepEqual(ids(back), ids(members), "the same etcd member ids");
    for (const m of back) {
      const old = members.find((o) => o.name === m.name)!;
      assert.equal(m.agentId, old.agentId, `${m.name} on the same agent`);
      assert.match(m.taskId, / r1$/, `${m.name} has a new task id`);
      const pids = await executorProcessPids(world.work, executorIdOf(m));
      assert.equal(pids.length, 1, `${m.name} runs under its own executor id`);
    }
    const after = await world.admin.stats();
    assert.equal(after.cluster_reseeds, before.cluster_reseeds, "no reseed");
    assert.equal(after.members_removed, before.members_removed, "no member removed");
    assert.equal(after.members_added, before.members_added, "no member added");
    assert.equal(after.volumes, 3);
    assert.equal(after.members_relaunched, 3);
    assert.equal(after.relaunching, 0);
    const volumes = await (await fetch(`${world.admin.url}/volumes`)).json();
    assert.deepEqual(
      volumes.map((v: { member: string; state: string; relaunches: number }) =>
        `${v.member} ${v.state} ${v.relaunches}`
      ).sort(),
      members.map((m) => `${m.name} running 1`).sort(),
    );
    assert.equal(
      await valueAt(back[0]!, "volumes-test-key"),
      "kept",
      "the data written before is still there",
    );

    // An operator replaces one member: removed, a new one added elsewhere.
    const victim = back.find((m) => !m.leader)!;
    const res = await fetch(`${world.admin.url}/members/${victim.name}/replace`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(res.status, 202, await res.text());
    const replaced = await replacedWithout(
      world.admin,
      victim.name,
      `${victim.name} replaced by a new member`,
    );
    world.mark(`${victim.name} replaced`);
    assert.ok(!replaced.some((m) => m.memberId === victim.memberId), "its etcd member is gone");
    await until(async () => (await reservedOnAgents(world)) === 3 ? true : undefined, {
      timeoutMs: 60_000,
      what: "the replaced member's volume destroyed (3 volumes left)",
    });
    const final = await world.admin.stats();
    assert.equal(final.cluster_reseeds, before.cluster_reseeds, "still no reseed");
    assert.equal(await valueAt(replaced[0]!, "volumes-test-key"), "kept");
  }));

Deno.test("persistent volumes: executors killed while the scheduler is down → a restarted scheduler relaunches the same members from its ZooKeeper records", () =>
  withWorld({
    name: "volumes-restart",
    agents: 3,
    zookeeper: true,
    schedulerFlags: ["--role=etcd", "--reseed-timeout=120s"],
  }, async (world) => {
    const first = world.scheduler;
    const members = await first.admin.waitHealthy(3, 90_000);
    world.mark("3 members healthy");
    await etcdctl(endpoint(members[0]!), "put", "volumes-restart-key", "kept");
    assert.equal(await first.kill(), 137);
    await killAllExecutors(world, members);
    const second = world.startScheduler();
    world.mark("scheduler killed, every executor killed, a new scheduler started");
    const back = await relaunched(
      second.admin,
      [],
      "3 relaunched members healthy after the restart",
    );
    world.mark("3 members relaunched in place by the restarted scheduler");
    assert.deepEqual(ids(back), ids(members), "the same etcd member ids");
    assert.ok(back.every((m) => / r1$/.test(m.taskId)), "relaunched tasks");
    const stats = await second.admin.stats();
    assert.equal(stats.cluster_reseeds, 0, "no reseed");
    assert.equal(stats.members_added, 0, "no member added");
    assert.equal(await valueAt(back[0]!, "volumes-restart-key"), "kept");
  }));

Deno.test("persistent volumes: a member's agent removed by the master → replaced at once on the spare agent, not waited for", () =>
  withWorld({
    name: "volumes-agent-gone",
    agents: 4,
    // The master notices the silent agent after 3 s and removes it 5 s later.
    masterOptions: { agentPingTimeoutMs: 3000, agentReregisterTimeoutMs: 5000 },
    // Far longer than the test: only the agent's removal may end the wait.
    schedulerFlags: ["--role=etcd", "--member-relaunch-timeout=10m"],
  }, async (world) => {
    const members = await world.admin.waitHealthy(3, 90_000);
    world.mark("3 members healthy");
    await etcdctl(endpoint(members[0]!), "put", "volumes-agent-key", "kept");
    const lost = members.find((m) => !m.leader)!;
    await world.agentOf(lost).stop();
    world.mark(`stopped agent ${lost.agentId} of ${lost.name}`);
    const healed = await replacedWithout(
      world.admin,
      lost.name,
      `${lost.name} replaced on the spare agent`,
    );
    world.mark(`${lost.name} replaced`);
    assert.ok(!healed.some((m) => m.agentId === lost.agentId), "nothing on the removed agent");
    const stats = await world.admin.stats();
    assert.equal(stats.volumes, 3, "the new member has a volume, the lost one's record is gone");
    assert.equal(stats.cluster_reseeds, 0);
    assert.equal(await valueAt(healed[0]!, "volumes-agent-key"), "kept");
  }));

Deno.test("persistent volumes: a restore lands on the volumes; every executor killed afterwards → the restored data comes back", async () => {
  await withStoreDir("volumes-restore-store-", (store) =>
    withWorld({
      name: "volumes-restore",
      agents: 3,
      schedulerFlags: [
        "--role=etcd",
        `--admin-token=${TOKEN}`,
        "--backup-interval=0",
        "--reseed-timeout=120s",
        `--backup-store=file://${store}`,
        `--backup-scratch-dir=${store}/scratch`,
      ],
    }, async (world) => {
      const members = await world.admin.waitHealthy(3, 90_000);
      await etcdctl(endpoint(members[0]!), "put", "restore/before", "kept");
      const record = await takeBackup(world.admin, TOKEN);
      await etcdctl(endpoint(members[0]!), "put", "restore/after", "lost by the restore");
      await startRestore(world.admin, TOKEN, record.id);
      await firstRestoreDone(world.admin);
      const restored = await world.admin.waitHealthy(3, 90_000);
      world.mark("restored and healthy");

      await killAllExecutors(world, restored);
      const back = await relaunched(
        world.admin,
        restored,
        "3 relaunched members healthy after the restore",
      );
      world.mark("relaunched in place after the restore");
      assert.deepEqual(ids(back), ids(restored), "the restored member ids");
      assert.equal(await valueAt(back[0]!, "restore/before"), "kept");
      assert.equal(await valueAt(back[0]!, "restore/after"), "", "the restored data, not the old");
      assert.equal((await world.admin.stats()).cluster_reseeds, 0);
    }));
});
