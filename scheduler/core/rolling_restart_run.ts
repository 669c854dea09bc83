/**
 * The state of rolling restarts (plain data kept in the core's `State.rollingRestart`), the
 * record of it kept in ZooKeeper, and the inputs and effects that carry it.
 *
 * A run restarts the members it started with one at a time: followers first, then — after
 * leadership was moved to a restarted member with etcd's MoveLeader — the old leader. Each
 * step sends the member's executor a `restart` order with the run's etcd spec (new binary
 * URI and/or flags) and is done once a probe started after the executor reported etcd healthy
 * finds the cluster healthy and the member caught up with the leader.
 *
 * @module
 */
import type { EtcdSpec } from "../../contract/etcd_spec.ts";

/** Where one member's step is. */
export type RollingStepPhase = "moving-leader" | "restarting" | "catching-up";

/** The member a run is restarting now. */
export interface RollingStep {
  name: string;
  taskId: string;
  phase: RollingStepPhase;
  /** When the step began: its bound runs from here. */
  since: number;
  /** The restart order's id (once sent). */
  orderId?: string;
  /** When the order (or the MoveLeader call) was last sent. */
  sentAt?: number;
  /** The order could not be delivered: it is sent again. */
  undelivered?: boolean;
  /** When the executor reported etcd healthy again. */
  okAt?: number;
  /** The member leadership is being moved to (`moving-leader`). */
  leaderTarget?: { name: string; memberId: string };
  /** The MoveLeader call failed: why (it is tried again within the bound). */
  moveError?: string;
}

/** A rolling restart in progress. */
export interface RollingRestartRun {
  /** `rolling-restart-<n>`: also the prefix of its order ids. */
  id: string;
  spec: EtcdSpec;
  /** The etcd chosen before this run: members launched after a failed run get it back. */
  previousSpec?: EtcdSpec;
  startedAt: number;
  /** Names of the members to restart (those running when it started). */
  targets: string[];
  /** Names restarted, healthy and caught up, in order. */
  done: string[];
  /** The member being restarted. */
  current?: RollingStep;
  /** Since when the run has waited for a healthy cluster between two steps. */
  waitingSince?: number;
  /** The leader's name once leadership moved away from it. */
  leaderMovedFrom?: string;
  seq: number;
}

/** Everything the core knows about rolling restarts. */
export interface RollingRestartState {
  /** The etcd chosen by the last accepted run: members launched later get it too. */
  spec?: EtcdSpec;
  run?: RollingRestartRun;
  /** Runs started (numbers their ids). */
  started: number;
  /** Runs finished. */
  finished: number;
  /** The last run that stopped on a member, until the next one starts. */
  failed?: { at: number; runId: string; member: string; reason: string };
  /** The last finished run. */
  last?: { at: number; runId: string; members: string[] };
}

/** The fields of a run its record keeps. */
type RecordedRun = Pick<
  RollingRestartRun,
  "id" | "spec" | "previousSpec" | "startedAt" | "targets" | "done" | "leaderMovedFrom"
>;

/**
 * What is kept in ZooKeeper: the chosen etcd, the run's progress (which members are done)
 * and the last failure, so a restarted scheduler launches with that etcd and resumes.
 */
export interface RollingRestartRecord {
  spec?: EtcdSpec;
  started: number;
  finished: number;
  /** The run's progress (its current step and any wait between steps are not kept). */
  run?: RecordedRun & {
    /** Numbers the orders; a resumed run counts on past it, so no order id repeats. */
    seq?: number;
  };
  failed?: RollingRestartState["failed"];
}

/** Inputs of rolling restarts. */
export type RollingRestartInput =
  /** An operator's `POST /rolling-restart`; decided as an `adminReply`. */
  | { type: "rollingRestart"; spec: EtcdSpec; requestId?: number }
  /** The answer to an `etcdMoveLeader` effect. */
  | { type: "leaderMoved"; targetMemberId: string; ok: boolean; detail?: string }
  /** The record a previous scheduler kept (read from ZooKeeper at start). */
  | { type: "rollingRestartLoaded"; record: RollingRestartRecord };

/** Effects of rolling restarts. */
export type RollingRestartEffect =
  /** etcd MoveLeader on the leader's endpoint; answered with `leaderMoved`. */
  | {
    type: "etcdMoveLeader";
    leaderEndpoint: string;
    targetMemberId: string;
    /** Names, for the log. */
    from: string;
    to: string;
  }
  /** Store the record in ZooKeeper (replaces the previous one). */
  | { type: "persistRollingRestart"; record: RollingRestartRecord };

/**
 * True while member `name` is the one a rolling restart is restarting: the repair leaves it
 * alone while it is silent (a big data dir can take longer than `--member-grace-period` to
 * load); the run's own bound decides if it never comes back.
 */
export function restartingInPlace(
  s: { rollingRestart?: RollingRestartState },
  name: string,
): boolean {
  const c = s.rollingRestart?.run?.current;
  return c !== undefined && c.name === name && c.phase !== "moving-leader";
}
