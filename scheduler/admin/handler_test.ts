import assert from "node:assert/strict";
import { memoryLogger } from "../../lib/log.ts";
import type { HealthView, MemberView, Stats } from "../core/views.ts";
import { type AdminDeps, createAdminHandler } from "./handler.ts";

const stats: Stats = {
  running_servers: 3,
  launched_servers: 4,
  failed_servers: 1,
  cluster_livelocks: 0,
  cluster_reseeds: 0,
  healthy: 1,
  desired_servers: 3,
  learners: 0,
  members_added: 4,
  members_removed: 1,
  tasks_killed: 0,
  offers_declined: 7,
  destructive_deferred: 0,
  probes: 12,
  mutable: 1,
  reseeding: 0,
  no_survivor: 0,
  stuck: 0,
  offers_unfit: 0,
  stray_members: 0,
  rolling_restart: 0,
  rolling_restart_done: 0,
  rolling_restarts: 0,
  rolling_restart_failed: 0,
  volumes: 0,
  relaunching: 0,
  members_relaunched: 0,
};
const member: MemberView = {
  name: "etcd-1",
  host: "h1",
  rpcPort: 31000,
  clientPort: 31001,
  agentId: "a1",
  taskId: "etcd-1 h1 31000 31001",
  taskState: "TASK_RUNNING",
  memberId: "11",
  raftIndex: "42",
  raftTerm: "2",
  leader: true,
  learner: false,
  healthy: true,
};

function setup(
  over: Partial<AdminDeps> = {},
  health: HealthView = { healthy: true, reason: "cluster is healthy", phase: "mutable" },
) {
  let reseeds = 0;
  const logger = memoryLogger();
  const handler = createAdminHandler({
    stats: () => stats,
    members: () => [member],
    health: () => health,
    requestReseed: () => {
      reseeds++;
    },
    token: "s3cret",
    logger,
    ...over,
  });
  const call = (path: string, init?: RequestInit) =>
    handler(new Request(`http://admin${path}`, init));
  return { call, reseeds: () => reseeds, logger };
}

Deno.test("GET /healthz is 200 when healthy and 503 with the reason when not", async () => {
  const ok = await setup().call("/healthz");
  assert.equal(ok.status, 200);
  assert.equal(await ok.text(), "cluster is healthy");
  const bad = await setup({}, {
    healthy: false,
    reason: "only 1 of 3 voting members reachable",
    phase: "mutable",
  })
    .call("/healthz");
  assert.equal(bad.status, 503);
  assert.equal(await bad.text(), "cluster not healthy: only 1 of 3 voting members reachable");
});

Deno.test("GET /stats returns the counters as JSON", async () => {
  const res = await setup().call("/stats");
  assert.equal(res.headers.get("content-type"), "application/json");
  assert.deepEqual(await res.json(), { ...stats, leader: 1 });
});

for (const path of ["/members", "/membership"]) {
  Deno.test(`GET ${path} returns the members with the original fields`, async () => {
    const res = await setup().call(path);
    const body: Record<string, unknown>[] = await res.json();
    assert.equal(res.status, 200);
    assert.deepEqual(body, [{ ...member, dbSize: null, dbSizeInUse: null }]);
    for (const key of ["name", "host", "rpcPort", "clientPort"]) assert.ok(key in body[0]!);
  });
}

Deno.test("GET /metrics is Prometheus text", async () => {
  const res = await setup().call("/metrics");
  assert.match(res.headers.get("content-type")!, /^text\/plain; version=0\.0\.4/);
  const body = await res.text();
  assert.match(body, /^# TYPE etcd_mesos_running_servers gauge\netcd_mesos_running_servers 3$/m);
  assert.match(body, /^etcd_mesos_failed_servers_total 1$/m);
  assert.match(body, /^etcd_mesos_member_leader\{member="etcd-1",host="h1"\} 1$/m);
});

Deno.test("GET / is the status page polling /stats, /members, /events and the charts", async () => {
  const res = await setup({ frameworkName: "<prod>" }).call("/");
  const html = await res.text();
  assert.match(res.headers.get("content-type")!, /^text\/html/);
  for (const path of ["stats", "members", "events?limit=100", "charts/raft-index.svg"]) {
    assert.ok(html.includes(`get("${path}"`), path);
  }
  assert.doesNotMatch(
    html,
    /<script src=|https?:\/\/(?!www\.w3\.org)/,
    "no external script or CDN",
  );
  assert.ok(html.includes("&#60;prod&#62;") && !html.includes("<prod>"), "name is escaped");
});

Deno.test("HEAD answers like GET without a body", async () => {
  const res = await setup().call("/healthz", { method: "HEAD" });
  assert.equal(res.status, 200);
  assert.equal(res.body, null);
});

/** [what, token header, expected status, reseeds]. */
const reseedCases: [string, string | undefined, number, number][] = [
  ["without a token", undefined, 401, 0],
  ["with a wrong token", "Bearer s3cres", 401, 0],
  ["with a longer token", "Bearer s3cret-and-more", 401, 0],
  ["with basic auth", "Basic czNjcmV0", 401, 0],
  ["with the right token", "Bearer s3cret", 202, 1],
];
for (const [what, auth, status, reseeds] of reseedCases) {
  Deno.test(`POST /reseed ${what} → ${status}`, async () => {
    const s = setup();
    const res = await s.call("/reseed", {
      method: "POST",
      headers: auth ? { authorization: auth } : {},
    });
    assert.equal(res.status, status);
    assert.equal(s.reseeds(), reseeds);
    if (status === 401) assert.match(res.headers.get("www-authenticate")!, /^Bearer/);
    if (status === 202) assert.equal(await res.text(), "reseeding");
    else await res.body?.cancel();
    assert.ok(!s.logger.lines.some((l) => l.includes("s3cret")), "the token is never logged");
  });
}

Deno.test("POST /reseed answers 202 with the core's decision, or 409 with its refusal", async () => {
  const accepted = setup({
    requestReseed: () => ({ accepted: true, message: "reseed-1 started: quorum lost" }),
  });
  const auth = { authorization: "Bearer s3cret" };
  const yes = await accepted.call("/reseed", { method: "POST", headers: auth });
  assert.equal(yes.status, 202);
  assert.equal(await yes.text(), "reseeding: reseed-1 started: quorum lost");
  const refused = setup({
    requestReseed: () =>
      Promise.resolve({ accepted: false, message: "quorum is not lost: 3 of 3 reachable" }),
  });
  const no = await refused.call("/reseed", { method: "POST", headers: auth });
  assert.equal(no.status, 409);
  assert.equal(await no.text(), "reseed refused: quorum is not lost: 3 of 3 reachable");
  assert.ok(refused.logger.lines.some((l) => l.includes("quorum is not lost")), "refusal logged");
});

Deno.test("POST /reseed is 403 when no token is configured", async () => {
  const s = setup({ token: undefined });
  const res = await s.call("/reseed", { method: "POST", headers: { authorization: "Bearer x" } });
  assert.equal(res.status, 403);
  assert.match(await res.text(), /--admin-token/);
  assert.equal(s.reseeds(), 0);
});

/** [method, path, status, Allow]. */
const wrong: [string, string, number, string | null][] = [
  ["POST", "/healthz", 405, "GET, HEAD"],
  ["DELETE", "/members", 405, "GET, HEAD"],
  ["GET", "/reseed", 405, "POST"],
  ["PUT", "/stats", 405, "GET, HEAD"],
  ["GET", "/nope", 404, null],
  ["GET", "/stats/", 404, null],
  ["POST", "/__proto__", 404, null],
];
for (const [method, path, status, allow] of wrong) {
  Deno.test(`${method} ${path} → ${status}`, async () => {
    const res = await setup().call(path, { method });
    assert.equal(res.status, status);
    assert.equal(res.headers.get("allow"), allow);
    await res.body?.cancel();
  });
}

Deno.test("a body over the limit is 413, declared or streamed", async () => {
  const s = setup({ maxBodyBytes: 16 });
  const big = "x".repeat(17);
  const declared = await s.call("/reseed", {
    method: "POST",
    body: big,
    headers: { authorization: "Bearer s3cret" },
  });
  assert.equal(declared.status, 413);
  await declared.body?.cancel();
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      for (let i = 0; i < 4; i++) c.enqueue(new Uint8Array(8));
      c.close();
    },
  });
  const streamed = await s.call("/reseed", {
    method: "POST",
    body: stream,
    headers: { authorization: "Bearer s3cret" },
  });
  assert.equal(streamed.status, 413);
  await streamed.body?.cancel();
  assert.equal(s.reseeds(), 0);
  const small = await s.call("/reseed", {
    method: "POST",
    body: "{}",
    headers: { authorization: "Bearer s3cret" },
  });
  assert.equal(small.status, 202);
  await small.body?.cancel();
});

Deno.test("the handler works behind Deno.serve on a free loopback port", async () => {
  const s = setup();
  const handler = createAdminHandler({
    stats: () => stats,
    members: () => [member],
    health: () => ({ healthy: true, reason: "cluster is healthy", phase: "mutable" }),
    requestReseed: () => {},
  });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  try {
    const res = await fetch(`http://127.0.0.1:${server.addr.port}/stats`);
    assert.deepEqual(await res.json(), { ...stats, leader: 1 });
  } finally {
    await server.shutdown();
  }
  assert.equal(s.reseeds(), 0);
});

Deno.test("admin: a standby answers /healthz 200 naming the leader, /stats with leader 0, and refuses /reseed", async () => {
  let standby: string | undefined = "leader is 10.0.0.7:23400";
  const t = setup({ standby: () => standby, members: () => [] }, {
    healthy: false,
    reason: "not checked yet",
    phase: "disconnected",
  });
  const health = await t.call("/healthz");
  assert.equal(health.status, 200);
  assert.equal(await health.text(), "standby: leader is 10.0.0.7:23400");
  const s = await (await t.call("/stats")).json();
  assert.equal(s.leader, 0);
  assert.equal(s.running_servers, 3, "the rest of the stats as given");
  const metrics = await (await t.call("/metrics")).text();
  assert.match(metrics, /^etcd_mesos_leader 0$/m);
  const reseed = await t.call("/reseed", {
    method: "POST",
    headers: { authorization: "Bearer s3cret" },
  });
  assert.equal(reseed.status, 503);
  assert.match(await reseed.text(), /standby: leader is 10\.0\.0\.7:23400/);
  assert.equal(t.reseeds(), 0);

  standby = undefined; // it took over
  const now = await t.call("/healthz");
  assert.equal(now.status, 503);
  assert.equal(await now.text(), "cluster not healthy: not checked yet");
  assert.equal((await (await t.call("/stats")).json()).leader, 1);
});

Deno.test("admin: without a standby callback the scheduler reports itself leader", async () => {
  const t = setup();
  assert.equal((await (await t.call("/stats")).json()).leader, 1);
  assert.match(await (await t.call("/metrics")).text(), /^etcd_mesos_leader 1$/m);
});

Deno.test("GET /history serves the history; its counters join /stats and /metrics", async () => {
  const history = {
    view: () => ({
      reseeds: [{
        id: "reseed-1",
        source: "auto" as const,
        reason: "quorum lost",
        startedAt: 1,
        phase: "cleanup" as const,
        ranking: [{ member: "etcd-2", raftIndex: "42" }],
        seeds: ["etcd-2"],
        failedSeeds: [],
        fenced: ["etcd-3"],
        orders: [],
        killed: ["etcd-3"],
        outcome: "done" as const,
        endedAt: 9,
      }],
      kills: [{ at: 9, taskId: "t3", member: "etcd-3", reason: "fenced", reseed: "reseed-1" }],
    }),
    counters: () => ({
      subscriptions: 2,
      reconciliations: 2,
      tasks_adopted: 3,
      leader_lock_losses: 0,
    }),
  };
  const t = setup({ history });
  const res = await t.call("/history");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "application/json");
  assert.deepEqual(await res.json(), history.view());
  assert.deepEqual(await (await t.call("/stats")).json(), {
    ...stats,
    ...history.counters(),
    leader: 1,
  });
  const metrics = await (await t.call("/metrics")).text();
  assert.match(metrics, /^# TYPE etcd_mesos_subscriptions_total counter$/m);
  assert.match(metrics, /^etcd_mesos_tasks_adopted_total 3$/m);
  assert.equal((await t.call("/history", { method: "POST" })).status, 405);
});

Deno.test("GET /history without a history is empty, and /stats has the core's counters only", async () => {
  const t = setup();
  assert.deepEqual(await (await t.call("/history")).json(), { reseeds: [], kills: [] });
  assert.deepEqual(await (await t.call("/stats")).json(), { ...stats, leader: 1 });
});
