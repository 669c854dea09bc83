/**
 * End to end: a scheduler killed in the middle of a rolling restart. The "new" etcd is served
 * by the test, which holds every download after the first: the first member is restarted, the
 * second waits for its binary, and the scheduler is killed (SIGKILL) then. The next scheduler
 * reads the run from ZooKeeper and resumes it: the member already done is not restarted again
 * (its etcd keeps its pid), the others are, the leader last, and the run finishes.
 *
 * @module
 */
import assert from "node:assert/strict";
import { until } from "../lib/until.ts";
import type { AuditEvent } from "../scheduler/events/event.ts";
import type { MemberView } from "../scheduler/core/views.ts";
import { withWorld } from "./testing/world.ts";

const TOKEN = "rolling-resume-token";
const FLAG = "--snapshot-count=20000";

/** Serves a copy of /usr/bin/etcd; downloads after the first wait until `release()`. */
async function serveHeldEtcd(dir: string) {
  const path = `${dir}/etcd-held`;
  await Deno.copyFile("/usr/bin/etcd", path);
  let release!: () => void;
  const released = new Promise<void>((r) => release = r);
  let requests = 0;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async () => {
      if (++requests > 1) await released;
      return new Response((await Deno.open(path)).readable);
    },
  );
  return {
    uri: `http://127.0.0.1:${server.addr.port}/etcd-held`,
    requests: () => requests,
    release,
    stop: async () => {
      release();
      await server.shutdown();
    },
  };
}

/** The pid and argv of the etcd listening on `m`'s client port under `work`. */
async function etcdOf(work: string, m: MemberView): Promise<{ pid: number; argv: string[] }> {
  return await until(async () => {
    for await (const e of Deno.readDir("/proc")) {
      if (!/^[0-9]+$/.test(e.name)) continue;
      const argv = (await Deno.readTextFile(`/proc/${e.name}/cmdline`).catch(() => ""))
        .split("\0");
      if (
        argv.some((a) => a.includes(work)) &&
        argv.some((a) => a.startsWith("--listen-client-urls=") && a.endsWith(`:${m.clientPort}`))
      ) {
        return { pid: Number(e.name), argv };
      }
    }
    return undefined;
  }, { timeoutMs: 10_000, what: `${m.name}'s etcd` });
}

Deno.test("a scheduler killed mid rolling restart: the next one resumes from ZooKeeper", () =>
  withWorld({
    name: "rolling-resume",
    agents: 3,
    zookeeper: true,
    schedulerFlags: ["--framework-name=rolling-resume", `--admin-token=${TOKEN}`],
  }, async (world) => {
    const before = await world.admin.waitHealthy(3, 90_000);
    world.mark("3 members healthy");
    const leader = before.find((m) => m.leader)!;
    const served = await serveHeldEtcd(world.work);
    world.defer(served.stop);

    const res = await fetch(`${world.admin.url}/rolling-restart`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ etcdUri: served.uri, flags: [FLAG] }),
    });
    assert.equal(res.status, 202, await res.text());
    await world.admin.waitStats(
      "one member restarted",
      (s) => s.rolling_restart_done === 1,
      60_000,
    );
    await until(() => served.requests() >= 2, { timeoutMs: 30_000, what: "the second download" });
    const run = await (await fetch(`${world.admin.url}/rolling-restart`)).json();
    const first = run.run.done[0] as string;
    assert.notEqual(first, leader.name, "a follower first");
    const firstEtcd = await etcdOf(world.work, before.find((m) => m.name === first)!);
    assert.ok(firstEtcd.argv.includes(FLAG));
    world.mark(`${first} restarted; the second download is held`);

    const next = await world.restartScheduler();
    await next.admin.waitLeading(60_000);
    world.mark("scheduler restarted");
    served.release();
    const stats = await next.admin.waitStats(
      "the resumed run finished (or failed)",
      (s) => s.rolling_restarts === 1 || s.rolling_restart_failed === 1,
      180_000,
    );
    assert.equal(stats.rolling_restart_failed, 0, (await next.admin.healthz()).body);
    world.mark("the resumed run finished");

    const after = await next.admin.waitHealthy(3, 60_000);
    assert.deepEqual(
      after.map((m) => `${m.name}=${m.memberId}`).sort(),
      before.map((m) => `${m.name}=${m.memberId}`).sort(),
    );
    for (const m of after) {
      const { pid, argv } = await etcdOf(world.work, m);
      assert.ok(argv.includes(FLAG), `${m.name} runs with ${FLAG}`);
      assert.match(argv[0]!, /\/etcd-releases\/etcd-held$/);
      if (m.name === first) assert.equal(pid, firstEtcd.pid, `${first} was not restarted again`);
    }
    const events = await (await fetch(`${next.admin.url}/events?kind=rolling-restart`))
      .json() as AuditEvent[];
    const steps = events.filter((e) => e.kind === "rolling-restart.step").map((e) =>
      e.fields.member
    );
    assert.deepEqual([...steps].sort(), before.map((m) => m.name).sort(), "each member once");
    assert.equal(steps.at(-1), leader.name, "the leader last");
    assert.equal(events.filter((e) => e.kind === "rolling-restart.finished").length, 1);
  }));
