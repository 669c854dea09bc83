/**
 * End to end: a rolling upgrade of a 3-member cluster while a client writes continuously.
 * `POST /rolling-restart` asks for a "new" etcd (a copy of the etcd binary served over HTTP
 * by the test) and a new flag (`--quota-backend-bytes`). Every member is restarted in place,
 * followers first and the leader last after leadership moved; each member's etcd process
 * then runs the copied binary with the flag; the member ids stay; at most one write fails;
 * the audit trail records every step.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Etcd3 } from "etcd3";
import { until } from "../lib/until.ts";
import type { AuditEvent } from "../scheduler/events/event.ts";
import type { MemberView } from "../scheduler/core/views.ts";
import { endpointsOf, readKey } from "./testing/etcd.ts";
import { withWorld } from "./testing/world.ts";

const TOKEN = "rolling-restart-token";
const FLAG = "--quota-backend-bytes=4294967296";

/** Serves a copy of /usr/bin/etcd as `http://127.0.0.1:<port>/etcd-copy`. */
async function serveEtcdCopy(dir: string): Promise<{ uri: string; stop: () => Promise<void> }> {
  const path = `${dir}/etcd-copy`;
  await Deno.copyFile("/usr/bin/etcd", path);
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (req) => {
      if (new URL(req.url).pathname !== "/etcd-copy") return new Response("no", { status: 404 });
      const file = await Deno.open(path);
      return new Response(file.readable);
    },
  );
  return { uri: `http://127.0.0.1:${server.addr.port}/etcd-copy`, stop: () => server.shutdown() };
}

/** Writes keys one after another until stopped; counts the writes that failed. */
function startWriter(endpoints: string[]) {
  const client = new Etcd3({ hosts: endpoints, dialTimeout: 3000 });
  const result = { ok: 0, failed: 0, errors: [] as string[], last: 0 };
  let stopped = false;
  const done = (async () => {
    for (let i = 0; !stopped; i++) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        await Promise.race([
          client.put(`rolling/${i}`).value(String(i)),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error("no answer within 5 s")), 5_000);
          }),
        ]);
        result.ok++;
        result.last = i;
      } catch (err) {
        result.failed++;
        result.errors.push(`put ${i}: ${(err as Error).message}`);
      } finally {
        clearTimeout(timer);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  return {
    result,
    stop: async () => {
      stopped = true;
      await done;
      client.close();
      return result;
    },
  };
}

/** The argv of the etcd listening on `m`'s client port under `work`. */
async function etcdArgvOf(work: string, m: MemberView): Promise<string[] | undefined> {
  for await (const e of Deno.readDir("/proc")) {
    if (!/^[0-9]+$/.test(e.name)) continue;
    const argv = (await Deno.readTextFile(`/proc/${e.name}/cmdline`).catch(() => "")).split("\0");
    if (!argv.some((a) => a.includes(work))) continue;
    if (argv.some((a) => a.startsWith("--listen-client-urls=") && a.endsWith(`:${m.clientPort}`))) {
      return argv;
    }
  }
  return undefined;
}

async function rollingRestart(url: string, body: unknown) {
  const res = await fetch(`${url}/rolling-restart`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  return { status: res.status, text: await res.text() };
}

Deno.test("rolling upgrade: every member restarted in place with the new etcd and flag, the leader last, writes go on", () =>
  withWorld({
    name: "rolling-restart",
    agents: 3,
    schedulerFlags: [`--admin-token=${TOKEN}`],
  }, async (world) => {
    const { admin } = world;
    const before = await admin.waitHealthy(3, 90_000);
    world.mark("3 members healthy");
    const leader = before.find((m) => m.leader)!;
    const served = await serveEtcdCopy(world.work);
    world.defer(served.stop);

    const refused = await rollingRestart(admin.url, { flags: ["--data-dir=/tmp/elsewhere"] });
    assert.equal(refused.status, 400);
    assert.match(refused.text, /--data-dir is set by the framework/);

    const writer = startWriter(endpointsOf(before));
    await new Promise((r) => setTimeout(r, 1_000));
    const started = await rollingRestart(admin.url, { etcdUri: served.uri, flags: [FLAG] });
    assert.equal(started.status, 202, started.text);
    assert.match(started.text, /rolling-restart-1 started/);
    const again = await rollingRestart(admin.url, {});
    assert.equal(again.status, 409, "one run at a time");
    world.mark("rolling restart started");

    const stats = await admin.waitStats(
      "the rolling restart finished (or failed)",
      (s) => s.rolling_restarts === 1 || s.rolling_restart_failed === 1,
      240_000,
    );
    const written = await writer.stop();
    world.mark(`rolling restart over; ${written.ok} writes ok, ${written.failed} failed`);
    assert.equal(stats.rolling_restart_failed, 0, (await admin.healthz()).body);
    assert.ok(written.failed <= 1, `at most one write fails: ${written.errors.join("; ")}`);
    assert.ok(written.ok > 50, `writes went on (${written.ok})`);

    const after = await admin.waitHealthy(3, 60_000);
    assert.deepEqual(
      after.map((m) => `${m.name}=${m.memberId}`).sort(),
      before.map((m) => `${m.name}=${m.memberId}`).sort(),
      "same members, same ids: restarted in place",
    );
    for (const m of after) {
      const argv = await until(() => etcdArgvOf(world.work, m), {
        timeoutMs: 10_000,
        what: `${m.name}'s etcd process`,
      });
      assert.match(argv[0]!, /\/etcd-releases\/etcd-copy$/, `${m.name} runs the copied etcd`);
      assert.ok(argv.includes(FLAG), `${m.name} runs with ${FLAG}: ${argv.join(" ")}`);
      assert.ok(argv.some((a) => a.startsWith("--data-dir=") && a.endsWith("/etcd_data")));
    }
    assert.equal(
      await readKey(endpointsOf(after), `rolling/${written.last}`),
      String(written.last),
      "the last write is there",
    );

    const res = await fetch(`${admin.url}/events?kind=rolling-restart`);
    const events = await res.json() as AuditEvent[];
    assert.deepEqual(events.map((e) => e.kind), [
      "rolling-restart.started",
      "rolling-restart.step",
      "rolling-restart.step",
      "rolling-restart.leader-moved",
      "rolling-restart.step",
      "rolling-restart.finished",
    ]);
    const steps = events.filter((e) => e.kind === "rolling-restart.step");
    assert.equal(steps.at(-1)!.fields.member, leader.name, "the leader went last");
    const moved = events.find((e) => e.kind === "rolling-restart.leader-moved")!;
    assert.equal(moved.fields.from, leader.name);
    const run = await (await fetch(`${admin.url}/rolling-restart`)).json();
    assert.deepEqual(run.spec, { uri: served.uri, flags: [FLAG] });
    assert.equal((await admin.healthz()).status, 200);
  }));
