/**
 * What the core asks the shell to do: plain data, performed in order. Results come back
 * as inputs (`etcdResult`, `probe`, `status`...).
 *
 * @module
 */
import type { DiscoveryInfo, Label, Resource, TaskStatus } from "../../lib/mesos/types.ts";
import type { MemberConfig } from "../../contract/member_config.ts";
import type { ExecutorOrder } from "../../contract/orders.ts";
import type { RollingRestartEffect } from "./rolling_restart_run.ts";
import type { StrayReservations, VolumeOps, VolumeRecord } from "./volumes.ts";

/** Everything decided about one member's task; `buildTaskInfo` turns it into a TaskInfo. */
export interface MemberLaunch {
  taskId: string;
  /** Member name, `etcd-<n>`. */
  name: string;
  agentId: string;
  /** The agent's host name (the offer's `hostname`). */
  hostname: string;
  peerPort: number;
  clientPort: number;
  /** cpus, mem, disk and the two ports, taken from the offer. */
  taskResources: Resource[];
  /** The executor's own cpus and mem, taken from the offer. */
  executorResources: Resource[];
  /** Goes into TaskInfo.data (see `encodeMemberConfig`). */
  config: MemberConfig;
  labels: Label[];
  discovery: DiscoveryInfo;
  /** A first launch with a persistent volume: RESERVE and CREATE go before the LAUNCH. */
  volume?: VolumeOps;
}

/** Log severity of a `log` effect. */
export type EffectLogLevel = "debug" | "info" | "warn" | "error";

/** A member to probe: name and client URL. */
export interface ProbeTarget {
  name: string;
  clientUrl: string;
  memberId?: string;
}

/** Every effect {@linkcode step} can return. */
export type Effect =
  /** ACCEPT `offerId` with one LAUNCH of the member's task. */
  | { type: "launch"; offerId: string; agentId: string; member: MemberLaunch }
  | { type: "decline"; offerIds: string[]; refuseSeconds: number }
  | { type: "suppress" }
  | { type: "revive" }
  /** KILL a task; `reason` is for the log (destructive: rate-limited by the core). */
  | {
    type: "kill";
    taskId: string;
    agentId: string;
    reason: string;
    /** Overrides the task's kill grace: 0 kills a frozen etcd with SIGKILL at once. */
    graceMs?: number;
  }
  /** ACKNOWLEDGE a status update that carries a uuid. */
  | { type: "acknowledge"; status: TaskStatus }
  /** RECONCILE; an empty list asks for every task (implicit reconciliation). */
  | { type: "reconcile"; tasks: { taskId: string; agentId?: string }[] }
  /** Add a learner through `endpoints`; answer with `etcdResult{op:"addLearner"}`. */
  | { type: "etcdAddLearner"; member: { name: string; peerUrl: string }; endpoints: string[] }
  /** Promote a learner; answer with `etcdResult{op:"promote"}`. */
  | { type: "etcdPromote"; memberId: string; name?: string; endpoints: string[] }
  /** Remove a member (destructive); answer with `etcdResult{op:"remove"}`. */
  | { type: "etcdRemove"; memberId: string; name?: string; reason: string; endpoints: string[] }
  /** Probe these members (status each, member list, a linearizable read); answer `probe`. */
  | { type: "probe"; members: ProbeTarget[] }
  /**
   * Send `order` to the member's executor as a framework MESSAGE (JSON); outcomes come back
   * as `orderOutcome` inputs (a failed send as one with `undelivered`).
   */
  | {
    type: "executorOrder";
    taskId: string;
    agentId: string;
    executorId: string;
    order: ExecutorOrder;
    /** Why, for the log. */
    reason: string;
  }
  | { type: "persistFrameworkId"; frameworkId: string }
  | {
    type: "log";
    level: EffectLogLevel;
    msg: string;
    fields: Record<string, string | number | boolean | undefined>;
  }
  /**
   * Store a member's volume record (intent before its ACCEPT, relaunch deadline); the runner
   * performs it before any Mesos call that follows.
   */
  | { type: "persistVolume"; record: VolumeRecord }
  /** Delete a member's volume record (it was replaced). */
  | { type: "forgetVolume"; member: string }
  /** ACCEPT `offerId` with DESTROY of the volumes, then UNRESERVE, of stray reservations. */
  | { type: "cleanupVolumes"; offerId: string; agentId: string; stray: StrayReservations }
  /** Store the cluster size an operator chose, so a restarted scheduler keeps it. */
  | { type: "persistClusterSize"; size: number }
  /** The decision on an operator's request (`admin` input), for the admin API to return. */
  | { type: "adminReply"; requestId?: number; accepted: boolean; message: string }
  /** Deliver a `tick` at `at` (ms since the epoch); replaces any earlier armed timer. */
  | { type: "armTimer"; at: number }
  /** MoveLeader and persisting the rolling restart (rolling_restart.ts). */
  | RollingRestartEffect;

/** The result of one {@linkcode step}. */
export interface StepResult<S> {
  state: S;
  effects: Effect[];
}
