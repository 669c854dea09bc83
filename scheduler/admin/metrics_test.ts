import assert from "node:assert/strict";
import type { Stats } from "../core/views.ts";
import { formatMetrics } from "./metrics.ts";

const stats = { running_servers: 2, launched_servers: 5, healthy: 0 } as unknown as Stats;

Deno.test("formatMetrics() writes HELP, TYPE and a value per stat; counters get _total", () => {
  const text = formatMetrics(stats);
  assert.equal(
    text,
    [
      "# HELP etcd_mesos_running_servers Members whose task is TASK_RUNNING.",
      "# TYPE etcd_mesos_running_servers gauge",
      "etcd_mesos_running_servers 2",
      "# HELP etcd_mesos_launched_servers_total Member tasks launched since the scheduler started.",
      "# TYPE etcd_mesos_launched_servers_total counter",
      "etcd_mesos_launched_servers_total 5",
      "# HELP etcd_mesos_healthy 1 when a quorum agrees on a leader and a linearizable read succeeds.",
      "# TYPE etcd_mesos_healthy gauge",
      "etcd_mesos_healthy 0",
      "",
    ].join("\n"),
  );
});

Deno.test("formatMetrics() escapes label values", () => {
  const text = formatMetrics(stats, [{
    name: 'a"b',
    host: "h\\1",
    healthy: true,
    leader: false,
    learner: false,
  } as never]);
  assert.match(text, /etcd_mesos_member_healthy\{member="a\\"b",host="h\\\\1"\} 1/);
});

Deno.test("formatMetrics() has per-member db size gauges and maintenance counters", () => {
  const member = (name: string, dbSize: number | null) => ({
    name,
    host: "h",
    healthy: true,
    leader: false,
    learner: false,
    dbSize,
    dbSizeInUse: dbSize === null ? null : dbSize / 4,
  } as never);
  const text = formatMetrics(
    { ...stats, defragmentations: 2, nospace: 1 },
    [member("etcd-1", 4096), member("etcd-2", null)],
  );
  assert.match(text, /^etcd_mesos_member_db_size_bytes\{member="etcd-1",host="h"\} 4096$/m);
  assert.match(text, /^etcd_mesos_member_db_size_in_use_bytes\{member="etcd-1",host="h"\} 1024$/m);
  assert.doesNotMatch(text, /db_size_bytes\{member="etcd-2"/, "not measured: no sample");
  assert.match(
    text,
    /^# TYPE etcd_mesos_defragmentations_total counter\netcd_mesos_defragmentations_total 2$/m,
  );
  assert.match(text, /^# TYPE etcd_mesos_nospace gauge\netcd_mesos_nospace 1$/m);
});
