/**
 * Read-only views of the core state for the admin API: `/stats` counters, the `/members`
 * list and the `/healthz` verdict (pure).
 *
 * @module
 */
import { offerWaitReason } from "./offer_wait.ts";
import { awaitingRelaunch } from "./volume_relaunch.ts";
import { describeReseed } from "./reseed.ts";
import { describeRestore, restoreFailure } from "./restore.ts";
import { describeRollingRestart, rollingRestartFailure } from "./rolling_restart.ts";
import { liveMembers, phaseOf, runningMembers, type State } from "./state.ts";

/** The `/stats` document: the original's counters first, then new ones. */
export interface Stats {
  running_servers: number;
  launched_servers: number;
  failed_servers: number;
  cluster_livelocks: number;
  cluster_reseeds: number;
  /** 1 when healthy, 0 otherwise (as the original). */
  healthy: number;
  desired_servers: number;
  learners: number;
  members_added: number;
  members_removed: number;
  tasks_killed: number;
  offers_declined: number;
  destructive_deferred: number;
  probes: number;
  /** 1 while the scheduler may change membership (connected, reconciled, not lost). */
  mutable: number;
  /** 1 while a reseed runs (started by an operator or automatically). */
  reseeding: number;
  /** 1 when no member is left to reseed from (total loss, or none answers): nothing is done. */
  no_survivor: number;
  /** 1 while the liveness alarm is up: stuck beyond the bound (the blocker is on /healthz). */
  stuck: number;
  /** 1 while members are wanted and no offer has fitted one for 30 s. */
  offers_unfit: number;
  /** etcds that answered the last probe although their task is not running (orphans). */
  stray_members: number;
  /** 1 while a rolling restart runs (`GET /rolling-restart` shows it). */
  rolling_restart: number;
  /** Members restarted so far by the rolling restart in progress. */
  rolling_restart_done: number;
  /** Rolling restarts finished. */
  rolling_restarts: number;
  /** 1 when the last rolling restart stopped on a failing member (until the next one). */
  rolling_restart_failed: number;
  /** Members with a persistent volume (their records). */
  volumes: number;
  /** Members waiting to be relaunched in place on their volume. */
  relaunching: number;
  /** Relaunches in place of the members that have a volume (kept in their records). */
  members_relaunched: number;
}

/** One entry of `/members`: the original's fields plus placement and raft details. */
export interface MemberView {
  name: string;
  host: string;
  /** The peer port (the original called it `rpcPort`). */
  rpcPort: number;
  clientPort: number;
  agentId: string;
  taskId: string;
  taskState: string;
  memberId: string | null;
  raftIndex: string | null;
  raftTerm: string | null;
  leader: boolean;
  learner: boolean;
  healthy: boolean;
}

/** The `/healthz` verdict. */
export interface HealthView {
  healthy: boolean;
  reason: string;
  phase: string;
}

/** Counters for `/stats` and `/metrics`. */
export function statsOf(s: State): Stats {
  const running = runningMembers(s);
  const c = s.counters;
  return {
    running_servers: running.length,
    launched_servers: c.launched_servers,
    failed_servers: c.failed_servers,
    cluster_livelocks: c.cluster_livelocks,
    cluster_reseeds: c.cluster_reseeds,
    healthy: healthOf(s).healthy ? 1 : 0,
    desired_servers: s.options.clusterSize,
    learners: running.filter((m) => m.learner).length,
    members_added: c.members_added,
    members_removed: c.members_removed,
    tasks_killed: c.tasks_killed,
    offers_declined: c.offers_declined,
    destructive_deferred: c.destructive_deferred,
    probes: c.probes,
    mutable: phaseOf(s) === "mutable" ? 1 : 0,
    reseeding: s.reseed !== undefined ? 1 : 0,
    no_survivor: s.lost || s.noSurvivor !== undefined ? 1 : 0,
    stuck: s.alarm !== undefined ? 1 : 0,
    offers_unfit: offerWaitReason(s) !== undefined ? 1 : 0,
    stray_members: (s.strays ?? []).length,
    rolling_restart: s.rollingRestart?.run !== undefined ? 1 : 0,
    rolling_restart_done: s.rollingRestart?.run?.done.length ?? 0,
    rolling_restarts: s.rollingRestart?.finished ?? 0,
    rolling_restart_failed: s.rollingRestart?.failed !== undefined ? 1 : 0,
    volumes: (s.volumes ?? []).length,
    relaunching: awaitingRelaunch(s).length,
    members_relaunched: c.members_relaunched,
  };
}

/** The members whose task may run (not being retired), in launch/adoption order. */
export function membersOf(s: State): MemberView[] {
  return liveMembers(s).map((m) => ({
    name: m.name,
    host: m.hostname,
    rpcPort: m.peerPort,
    clientPort: m.clientPort,
    agentId: m.agentId,
    taskId: m.taskId,
    taskState: m.taskState,
    memberId: m.memberId ?? null,
    raftIndex: m.raftIndex ?? null,
    raftTerm: m.raftTerm ?? null,
    leader: m.memberId !== undefined && m.memberId === s.health.leaderId,
    learner: m.learner,
    healthy: m.taskState === "TASK_RUNNING" && m.reachable === true,
  }));
}

/**
 * Healthy only when the last probe said so, the scheduler is not locked and no reseed runs.
 * A running reseed says its phase (`reseeding: seeding etcd-3`); no survivor says so loudly.
 */
export function healthOf(s: State): HealthView {
  const phase = phaseOf(s);
  if (phase === "lost") {
    return {
      healthy: false,
      reason: "no survivor: total cluster loss: every member is gone; nothing to reseed from",
      phase,
    };
  }
  if (phase === "reseeding") {
    return { healthy: false, reason: `reseeding: ${describeReseed(s)}`, phase };
  }
  if (s.noSurvivor !== undefined) {
    return { healthy: false, reason: `no survivor: ${s.noSurvivor.reason}`, phase };
  }
  const restoring = describeRestore(s);
  if (restoring !== undefined && (s.restore?.run !== undefined || !s.health.healthy)) {
    return { healthy: false, reason: `restoring: ${restoring}`, phase };
  }
  const failedRestore = restoreFailure(s);
  if (failedRestore !== undefined && !s.health.healthy) {
    return { healthy: false, reason: `${failedRestore}; ${s.health.reason}`, phase };
  }
  const failedRolling = rollingRestartFailure(s);
  if (failedRolling !== undefined) {
    return { healthy: s.health.healthy, reason: `${failedRolling} (${s.health.reason})`, phase };
  }
  if (s.alarm !== undefined) {
    const reason = `STUCK: ${s.alarm.blocker} (${s.health.reason})`;
    return { healthy: s.health.healthy, reason, phase };
  }
  const offers = offerWaitReason(s);
  if (offers !== undefined && !s.health.healthy) {
    return { healthy: false, reason: `${s.health.reason}; ${offers}`, phase };
  }
  if (offers !== undefined) {
    return { healthy: true, reason: `cluster is healthy; ${offers}`, phase };
  }
  const rolling = describeRollingRestart(s);
  if (rolling !== undefined) {
    return {
      healthy: s.health.healthy,
      reason: `${s.health.reason}; rolling restart ${rolling}`,
      phase,
    };
  }
  return { healthy: s.health.healthy, reason: s.health.reason, phase };
}

/** One entry of `/volumes`: a member's persistent volume and whether it waits for a relaunch. */
export interface VolumeView {
  member: string;
  agentId: string;
  host: string;
  persistenceId: string;
  rpcPort: number;
  clientPort: number;
  /** Relaunches in place so far. */
  relaunches: number;
  /** `running`, `starting` (a task launched, not running yet) or `waiting` (for its agent). */
  state: "running" | "starting" | "waiting";
  /** While waiting: when the member is replaced instead (ISO time), else null. */
  replaceAt: string | null;
}

/** The members' volumes, from their records. */
export function volumesOf(s: State): VolumeView[] {
  const live = liveMembers(s);
  return (s.volumes ?? []).map((r) => {
    const m = live.find((x) => x.name === r.member);
    const state = m === undefined
      ? "waiting"
      : m.taskState === "TASK_RUNNING"
      ? "running"
      : "starting";
    return {
      member: r.member,
      agentId: r.agentId,
      host: r.hostname,
      persistenceId: r.persistenceId,
      rpcPort: r.peerPort,
      clientPort: r.clientPort,
      relaunches: r.incarnation,
      state,
      replaceAt: r.relaunchBy === undefined ? null : new Date(r.relaunchBy).toISOString(),
    };
  });
}
