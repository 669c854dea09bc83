/**
 * The scheduler core's state: plain, cloneable data. Only `step` changes it.
 *
 * @module
 */
import type { TaskState } from "../../lib/mesos/types.ts";
import { isTerminal } from "../../lib/mesos/types.ts";
import { peerUrl } from "../../contract/member_config.ts";
import type { MemberLaunch } from "./effects.ts";
import type { EtcdMemberView } from "./inputs.ts";
import type { StrayAnswer } from "./probe_targets.ts";
import type { Reconciliation } from "./reconciliation.ts";
import type { NoSurvivor, ReseedRun } from "./reseed_run.ts";
import type { RestoreState } from "./restore_run.ts";
import type { RollingRestartState } from "./rolling_restart_run.ts";
import type { VolumeOptions, VolumeRecord } from "./volumes.ts";
import type { StaticBootstrap, StaticBootstrapChange } from "./static_bootstrap.ts";

/** Where members may go relative to each other. */
export type Placement =
  | { kind: "agent" }
  | { kind: "hostname" }
  | { kind: "attribute"; name: string }
  /** No spreading at all (`--single-instance-per-slave=false`). */
  | { kind: "any" };

/** The knobs of the core (from the configuration). Durations in milliseconds. */
export interface CoreOptions {
  frameworkName: string;
  clusterSize: number;
  cpus: number;
  memMb: number;
  diskMb: number;
  /** The executor's own share, added on top of each member's limits. */
  executorCpus: number;
  executorMemMb: number;
  placement: Placement;
  /** Decline filter for offers that do not fit while a member is wanted. */
  offerRefuseSeconds: number;
  /** Decline filter for offers that are not needed at all (REVIVE clears it). */
  idleRefuseSeconds: number;
  healthIntervalMs: number;
  /** How long a running member may stay unreachable before it is replaced. */
  memberGracePeriodMs: number;
  /** How long a launched task may take to reach TASK_RUNNING. */
  launchTimeoutMs: number;
  /** At most one destructive step (member retirement: kill and/or remove) per interval. */
  destructiveIntervalMs: number;
  /** A probe not answered within this is considered lost. */
  probeTimeoutMs: number;
  /**
   * No quorum this long starts a reseed (when `autoReseed`); also the bound of each reseed
   * step (at least 30 s).
   */
  reseedTimeoutMs: number;
  autoReseed: boolean;
  /** Quiet time after the last update before an implicit reconciliation counts as answered. */
  reconcileSettleMs: number;
  /** Unanswered tasks are asked about again after this, doubling up to the max. */
  reconcileRetryMinMs: number;
  reconcileRetryMaxMs: number;
  /** Persistent volumes (see `volumes.ts`); absent: off. */
  volumes?: VolumeOptions;
  /**
   * A new cluster holds fitting offers this long to launch every member at once with a
   * static `--initial-cluster` (see `static_bootstrap.ts`); 0 brings members up one by one.
   */
  staticBootstrapGatherMs: number;
}

/** Defaults matching the original where it had one. */
export const DEFAULT_CORE_OPTIONS: CoreOptions = {
  frameworkName: "etcd",
  clusterSize: 5,
  cpus: 4,
  memMb: 2048,
  diskMb: 4096,
  executorCpus: 0.1,
  executorMemMb: 32,
  placement: { kind: "agent" },
  offerRefuseSeconds: 15,
  idleRefuseSeconds: 3600,
  healthIntervalMs: 5_000,
  memberGracePeriodMs: 30_000,
  launchTimeoutMs: 300_000,
  destructiveIntervalMs: 30_000,
  probeTimeoutMs: 30_000,
  reseedTimeoutMs: 240_000,
  autoReseed: true,
  reconcileSettleMs: 1_000,
  reconcileRetryMinMs: 1_000,
  reconcileRetryMaxMs: 30_000,
  staticBootstrapGatherMs: 3_000,
};

/** Why and when a member is being taken out. */
export interface Retirement {
  reason: string;
  at: number;
  /** The etcd member has been removed (or was never configured). */
  removed: boolean;
}

/** One member task the scheduler knows about. */
export interface MemberRecord {
  name: string;
  taskId: string;
  agentId: string;
  hostname: string;
  peerPort: number;
  clientPort: number;
  /** Last known task state (`TASK_STAGING` right after launch). */
  taskState: TaskState;
  /** Undefined for adopted tasks. */
  launchedAt?: number;
  runningSince?: number;
  memberId?: string;
  learner: boolean;
  /** The placement attribute's value on its agent, when known. */
  placementValue?: string;
  reachable?: boolean;
  unreachableSince?: number;
  lastError?: string;
  raftIndex?: string;
  raftTerm?: string;
  leaderId?: string;
  retiring?: Retirement;
}

/** The one membership change in flight. */
export type Change =
  | { kind: "bootstrap"; name: string; startedAt: number }
  /** Every member of a new cluster launched at once (see `static_bootstrap.ts`). */
  | StaticBootstrapChange
  | {
    kind: "add";
    step: "adding" | "starting" | "catching-up" | "promoting";
    name: string;
    taskId: string;
    peerUrl: string;
    startedAt: number;
    /** When the current step began (etcd calls time out from here). */
    stepAt: number;
    /** The launch to send once the learner is added (absent for an adopted learner). */
    launch?: MemberLaunch;
    /** The held offer while adding; cleared once used. */
    offerId?: string;
    /** The held offer was rescinded or lost before the launch. */
    offerLost?: boolean;
    memberId?: string;
    learner: boolean;
    /** The join was given up (its task ended) while an etcd call was out: why. */
    abandoned?: string;
  }
  | { kind: "remove"; memberId: string; name?: string; reason: string; startedAt: number };

/** The last health verdict and what churn detection remembers. */
export interface HealthState {
  healthy: boolean;
  reason: string;
  leaderId?: string;
  /** When the verdict was made (probe answer time). */
  checkedAt?: number;
  /** When the probe behind the verdict started. */
  probeStartedAt?: number;
  unhealthySince?: number;
  lastTerm?: string;
  lastIndex?: string;
  termMoved: boolean;
}

/** Monotonic counters for /stats and /metrics. */
export interface Counters {
  launched_servers: number;
  failed_servers: number;
  cluster_livelocks: number;
  cluster_reseeds: number;
  members_added: number;
  members_removed: number;
  tasks_killed: number;
  offers_declined: number;
  destructive_deferred: number;
  probes: number;
  /** Members relaunched in place on their persistent volume. */
  members_relaunched: number;
}

/** The whole core state. */
export interface State {
  options: CoreOptions;
  frameworkId?: string;
  connected: boolean;
  reconciled: boolean;
  /** The reconciliation round in progress (see `reconciliation.ts`). */
  reconciliation?: Reconciliation;
  members: MemberRecord[];
  /** The last configured etcd membership seen. */
  etcdMembers?: EtcdMemberView[];
  change?: Change;
  /** The next `n` of `etcd-<n>`. */
  nextIndex: number;
  clusterToken?: string;
  /** A member has run: losing all of them is a total loss, not a fresh start. */
  clusterFormed: boolean;
  /** Every member is gone: locked (Immutable) until a reseed/restore. */
  lost: boolean;
  suppressed: boolean;
  /** Offers were declined with a filter since the last REVIVE. */
  filtered: boolean;
  /** The last plan wanted an offer (REVIVE is sent when this becomes true). */
  offersWanted: boolean;
  health: HealthState;
  probeInFlightSince?: number;
  probeWanted: boolean;
  lastProbeAt?: number;
  lastDestructiveAt?: number;
  lastChangeAt?: number;
  /** No new membership change before this time (backoff after a failed etcd call). */
  retryAt?: number;
  /** Agent id → placement attribute value, learned from offers. */
  agentValues: Record<string, string>;
  /**
   * Ids of the last tasks that ended for good and were forgotten (newest last, at most
   * {@linkcode MAX_ENDED_TASK_IDS}): a late or replayed update of one of them is stale.
   */
  endedTaskIds?: string[];
  /** Offers held for, or the fallback of, a static bootstrap (see `static_bootstrap.ts`). */
  staticBootstrap?: StaticBootstrap;
  /**
   * Members' persistent volumes (see `volume_relaunch.ts`); undefined until the records kept
   * in ZooKeeper are known (`volumesKnown`).
   */
  volumes?: VolumeRecord[];
  /** Agent id → until when a member replaced off it (volume given up) is not put back there. */
  replacedFrom?: Record<string, number>;
  /** The reseed in progress (see `reseed.ts`). */
  reseed?: ReseedRun;
  /** Backups known and restores (see `restore.ts`). */
  restore?: RestoreState;
  /** The etcd an operator chose and the rolling restart in progress (rolling_restart.ts). */
  rollingRestart?: RollingRestartState;
  /** Since when (probe start) every probe found quorum lost: the reseed window. */
  quorumLostSince?: number;
  /** No member is left to reseed from (cleared when one answers a probe). */
  noSurvivor?: NoSurvivor;
  /** Why the last reseed could not go on without discarding data (cleared with quorum). */
  reseedBlocked?: string;
  /** Why the automatic reseed waits for a member's volume past its window (logged once). */
  reseedWait?: string;
  /**
   * Members whose volume was given up while quorum was lost, with the last raft index each
   * reported: a reseed names the data only they held (cleared with quorum or the reseed).
   */
  volumesGivenUp?: { member: string; raftIndex?: string; why: string }[];
  timerAt?: number;
  lastWaitReason?: string;
  /** etcds that answered the last probe although no running task owns them (orphans). */
  strays?: StrayAnswer[];
  /** Since when offers have been wanted and none fitted (see `offer_wait.ts`). */
  offerWait?: OfferWait;
  /** Since when the cluster has been short of healthy-at-full-size without progress. */
  unsettledSince?: number;
  /** Progress counted so far (joins, removals, reseeds): a change restarts that clock. */
  progressMark?: number;
  /** The loud alarm raised when that lasted beyond the liveness bound (see `liveness.ts`). */
  alarm?: Alarm;
  counters: Counters;
}

/** Offers wanted for a member and none fitting: what was seen, and whether it was said. */
export interface OfferWait {
  since: number;
  /** The largest offer declined for being too small, described for operators. */
  largest?: string;
  /** Its cpus and mem, to compare the next ones with. */
  largestSize?: [number, number];
  /** The WARN has been logged. */
  warned: boolean;
}

/** Stuck beyond the liveness bound: what blocks, since when. */
export interface Alarm {
  since: number;
  blocker: string;
}

/** How many forgotten task ids {@linkcode State.endedTaskIds} keeps. */
export const MAX_ENDED_TASK_IDS = 64;

/** A fresh state: disconnected, nothing known. */
export function initialState(options: Partial<CoreOptions> = {}): State {
  return {
    options: { ...DEFAULT_CORE_OPTIONS, ...options },
    connected: false,
    reconciled: false,
    members: [],
    nextIndex: 1,
    clusterFormed: false,
    lost: false,
    suppressed: false,
    filtered: false,
    offersWanted: false,
    health: { healthy: false, reason: "not checked yet", termMoved: false },
    probeWanted: false,
    agentValues: {},
    endedTaskIds: [],
    counters: {
      launched_servers: 0,
      failed_servers: 0,
      cluster_livelocks: 0,
      cluster_reseeds: 0,
      members_added: 0,
      members_removed: 0,
      tasks_killed: 0,
      offers_declined: 0,
      destructive_deferred: 0,
      probes: 0,
      members_relaunched: 0,
    },
  };
}

/** The coarse mode the scheduler is in, for status pages and logs. */
export type Phase = "disconnected" | "reconciling" | "lost" | "reseeding" | "mutable";

/** The mode of `state`: anything but `mutable` means no new membership changes. */
export function phaseOf(state: State): Phase {
  if (state.lost) return "lost";
  if (state.reseed !== undefined) return "reseeding";
  if (!state.connected) return "disconnected";
  if (!state.reconciled) return "reconciling";
  return "mutable";
}

/** The member's peer URL. */
export function memberPeerUrl(m: MemberRecord): string {
  return peerUrl(m.hostname, m.peerPort);
}

/** Members whose task may still run and that are not being retired. */
export function liveMembers(state: State): MemberRecord[] {
  return state.members.filter((m) => !isTerminal(m.taskState) && m.retiring === undefined);
}

/** Members whose task is TASK_RUNNING and not being retired. */
export function runningMembers(state: State): MemberRecord[] {
  return liveMembers(state).filter((m) => m.taskState === "TASK_RUNNING");
}

/** The etcd member matching record `m` (by id, else by peer URL), when membership is known. */
export function etcdMemberOf(state: State, m: MemberRecord): EtcdMemberView | undefined {
  const list = state.etcdMembers ?? [];
  const url = memberPeerUrl(m);
  return list.find((e) => m.memberId !== undefined && e.id === m.memberId) ??
    list.find((e) => e.peerUrls.includes(url));
}

/** The etcd member id to remove for `m`, or undefined when it is not configured in etcd. */
export function configuredMemberId(state: State, m: MemberRecord): string | undefined {
  const list = state.etcdMembers;
  if (list === undefined) return m.retiring?.removed ? undefined : m.memberId;
  // etcd's own list is the truth; a known id is matched by id only, since a later member
  // may reuse the peer URL (same agent, same ports).
  if (m.memberId !== undefined) {
    return list.some((e) => e.id === m.memberId) ? m.memberId : undefined;
  }
  return m.retiring?.removed ? undefined : etcdMemberOf(state, m)?.id;
}
