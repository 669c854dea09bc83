/**
 * Prometheus text exposition (format 0.0.4) of the scheduler's counters and gauges.
 *
 * @module
 */
import type { MemberView, Stats } from "../core/views.ts";
import type { MaintenanceCounters } from "../maintenance/maintainer.ts";
import type { HistoryCounters } from "./history.ts";
import type { MeasuredFields } from "./samples.ts";

/** What `/metrics` shows: the core's stats and, when given, the history's and maintenance's. */
type Metric = keyof Stats | keyof HistoryCounters | keyof MaintenanceCounters | "leader";

/** The Content-Type of the Prometheus text format. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Monotonic counters; every other stat is a gauge. */
const COUNTERS: ReadonlySet<Metric> = new Set<Metric>([
  "launched_servers",
  "failed_servers",
  "cluster_livelocks",
  "cluster_reseeds",
  "members_added",
  "members_removed",
  "tasks_killed",
  "offers_declined",
  "destructive_deferred",
  "probes",
  "members_relaunched",
  "subscriptions",
  "reconciliations",
  "tasks_adopted",
  "leader_lock_losses",
  "defragmentations",
  "compactions",
  "alarms_disarmed",
  "nospace_alarms",
  "maintenance_failures",
  "rolling_restarts",
]);

const HELP: Partial<Record<Metric, string>> = {
  running_servers: "Members whose task is TASK_RUNNING.",
  launched_servers: "Member tasks launched since the scheduler started.",
  failed_servers: "Member tasks that ended without being retired by the scheduler.",
  cluster_livelocks:
    "Probes that found raft term churn or a stalled commit index, and quorum losses.",
  cluster_reseeds: "Reseeds carried out after quorum loss (survivors ranked and fenced).",
  reseeding: "1 while a reseed runs.",
  no_survivor: "1 when no member is left to reseed from.",
  stuck: "1 while the liveness alarm is up (the blocker is on /healthz).",
  offers_unfit: "1 while members are wanted and no offer has fitted one for 30 s.",
  stray_members: "etcds answering although their task is not running.",
  rolling_restart: "1 while a rolling restart runs.",
  rolling_restart_done: "Members restarted so far by the rolling restart in progress.",
  rolling_restarts: "Rolling restarts finished.",
  rolling_restart_failed: "1 when the last rolling restart stopped on a failing member.",
  volumes: "Members with a persistent volume.",
  relaunching: "Members waiting to be relaunched in place on their volume.",
  members_relaunched: "Members relaunched in place on their volume since the scheduler started.",
  healthy: "1 when a quorum agrees on a leader and a linearizable read succeeds.",
  desired_servers: "The configured cluster size.",
  subscriptions: "SUBSCRIBED events: the first subscription and one after each failover.",
  reconciliations: "Reconciliations finished (every known task answered).",
  tasks_adopted: "Running tasks taken over from a previous scheduler instead of launched.",
  leader_lock_losses: "Times the leader lock was lost while held.",
  defragmentations: "Members defragmented (for NOSPACE or fragmentation over the threshold).",
  compactions: "History compactions made to handle NOSPACE.",
  alarms_disarmed: "etcd alarms disarmed after handling them.",
  nospace_alarms: "NOSPACE alarms handled (etcd's space quota exhausted).",
  maintenance_failures: "Maintenance calls (compact, defrag, disarm) that failed.",
  nospace: "1 while etcd has a NOSPACE alarm raised or it is being handled.",
};

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

/**
 * Formats `stats` (and per-member gauges when `members` is given) as Prometheus text.
 * Counters get a `_total` suffix; every name is prefixed with `prefix`.
 */
export function formatMetrics(
  stats: Stats & Partial<HistoryCounters> & Partial<MaintenanceCounters>,
  members: readonly (MemberView & Partial<MeasuredFields>)[] = [],
  prefix = "etcd_mesos_",
): string {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(stats) as [Metric, number][]) {
    const counter = COUNTERS.has(key);
    const name = `${prefix}${key}${counter ? "_total" : ""}`;
    lines.push(`# HELP ${name} ${HELP[key] ?? key.replace(/_/g, " ") + "."}`);
    lines.push(`# TYPE ${name} ${counter ? "counter" : "gauge"}`);
    lines.push(`${name} ${value}`);
  }
  type Row = MemberView & Partial<MeasuredFields>;
  const perMember: [string, string, (m: Row) => number | null | undefined][] = [
    ["member_healthy", "1 when the member answered the last probe.", (m) => m.healthy ? 1 : 0],
    ["member_leader", "1 for the member a quorum agrees is leader.", (m) => m.leader ? 1 : 0],
    ["member_learner", "1 while the member is a raft learner.", (m) => m.learner ? 1 : 0],
    ["member_db_size_bytes", "Backend bytes the member has allocated.", (m) => m.dbSize],
    [
      "member_db_size_in_use_bytes",
      "Backend bytes the member uses; the rest is freed by a defragmentation.",
      (m) => m.dbSizeInUse,
    ],
  ];
  for (const [metric, help, get] of perMember) {
    const measured = members.filter((m) => typeof get(m) === "number");
    if (measured.length === 0) continue;
    const name = `${prefix}${metric}`;
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
    for (const m of measured) {
      lines.push(
        `${name}{member="${escapeLabel(m.name)}",host="${escapeLabel(m.host)}"} ${get(m)}`,
      );
    }
  }
  return lines.join("\n") + "\n";
}
