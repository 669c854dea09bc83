import assert from "node:assert/strict";
import { FakeClock } from "../../lib/clock.ts";
import { initialState } from "../core/state.ts";
import { membersOf, statsOf } from "../core/views.ts";
import { EventLog } from "../events/event_log.ts";
import type { MaintenanceCounters } from "../maintenance/maintainer.ts";
import { createAdminHandler } from "./handler.ts";
import { ClusterSamples } from "./samples.ts";

const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);

/** A handler over a real core state of two running members, probed every 15 s for 10 min. */
function setup() {
  const state = initialState({ clusterSize: 3 });
  state.members = [1, 2].map((n) => ({
    name: `etcd-${n}`,
    taskId: `etcd-${n} h${n} 3100${n} 3200${n}`,
    agentId: `a${n}`,
    hostname: `h${n}`,
    peerPort: 31000 + n,
    clientPort: 32000 + n,
    taskState: "TASK_RUNNING" as const,
    learner: false,
    memberId: `${n}00`,
    reachable: true,
  }));
  const samples = new ClusterSamples();
  for (let i = 40; i >= 0; i--) {
    samples.observe({
      input: {
        type: "probe",
        linearizableReadOk: true,
        results: [1, 2].map((n) => ({
          name: `etcd-${n}`,
          reachable: true,
          raftIndex: String(1000 - i * 10 - n),
          dbSize: 1_000_000 + (40 - i) * 1000 * n,
          dbSizeInUse: 500_000,
        })),
      },
      before: state,
      after: state,
      effects: [],
      at: NOW - i * 15_000,
    });
  }
  const events = new EventLog({ clock: new FakeClock(NOW) });
  events.record("launch", "first member of a new 3-member cluster, on h1", { member: "etcd-1" });
  events.record("reseed.started", "automatic: quorum lost for 240s");
  events.record("defrag", "fragmentation 0.62 of etcd-2 over --defrag-threshold 0.5");
  const counters: MaintenanceCounters = {
    defragmentations: 1,
    compactions: 0,
    alarms_disarmed: 0,
    nospace_alarms: 0,
    maintenance_failures: 0,
    nospace: 0,
  };
  const handler = createAdminHandler({
    stats: () => statsOf(state),
    members: () => membersOf(state),
    health: () => ({ healthy: true, reason: "cluster is healthy", phase: "mutable" }),
    requestReseed: () => {},
    events,
    samples,
    maintenance: { counters: () => counters },
    now: () => NOW,
  });
  return (path: string) => handler(new Request(`http://admin${path}`));
}

Deno.test("GET /events is the audit trail, filtered by kind, sequence and count", async () => {
  const call = setup();
  const all = await (await call("/events")).json();
  assert.deepEqual(all.map((e: { kind: string }) => e.kind), [
    "launch",
    "reseed.started",
    "defrag",
  ]);
  assert.deepEqual(Object.keys(all[0]).sort(), ["at", "fields", "kind", "reason", "seq", "time"]);
  assert.equal(all[0].time, new Date(NOW).toISOString());
  assert.deepEqual(
    (await (await call("/events?kind=reseed")).json()).map((e: { seq: number }) => e.seq),
    [2],
  );
  assert.deepEqual(
    (await (await call("/events?after=1&limit=1")).json()).map((e: { seq: number }) => e.seq),
    [3],
  );
  const bad = await call("/events?limit=lots");
  assert.equal(bad.status, 400);
  assert.equal(await bad.text(), 'Cannot use limit "lots": expected a whole number');
});

Deno.test("GET /members and /metrics carry each member's db size and in-use size", async () => {
  const call = setup();
  const members = await (await call("/members")).json();
  assert.deepEqual(
    members.map((
      m: { name: string; dbSize: number; dbSizeInUse: number },
    ) => [m.name, m.dbSize, m.dbSizeInUse]),
    [["etcd-1", 1_040_000, 500_000], ["etcd-2", 1_080_000, 500_000]],
  );
  const metrics = await (await call("/metrics")).text();
  assert.match(metrics, /^etcd_mesos_member_db_size_bytes\{member="etcd-2",host="h2"\} 1080000$/m);
  assert.match(
    metrics,
    /^etcd_mesos_member_db_size_in_use_bytes\{member="etcd-1",host="h1"\} 500000$/m,
  );
  assert.match(metrics, /^etcd_mesos_defragmentations_total 1$/m);
  const stats = await (await call("/stats")).json();
  assert.equal(stats.defragmentations, 1);
  assert.equal(stats.nospace, 0);
});

Deno.test("GET /charts/*.svg draws every member over the last hour", async () => {
  const call = setup();
  for (
    const [path, title] of [["/charts/raft-index.svg", "raft index"], [
      "/charts/db-size.svg",
      "db size",
    ]]
  ) {
    const res = await call(path!);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "image/svg+xml; charset=utf-8");
    const svg = await res.text();
    assert.match(svg, new RegExp(`<title>${title}, last 60 minutes</title>`));
    const lines = [
      ...svg.matchAll(/<polyline class="series" data-series="([^"]+)"[^>]*points="([^"]+)"/g),
    ];
    assert.deepEqual(lines.map((m) => m[1]), ["etcd-1", "etcd-2"]);
    assert.equal(lines[0]![2]!.split(" ").length, 41, "one point per sample");
  }
});
