/**
 * What the shell feeds the core: plain data describing one thing that happened.
 *
 * @module
 */
import type { Offer, TaskStatus } from "../../lib/mesos/types.ts";
import type { OrderOp } from "../../contract/orders.ts";
import type { RestoreInput } from "./restore_run.ts";
import type { RollingRestartInput } from "./rolling_restart_run.ts";
import type { VolumeRecord } from "./volumes.ts";

/** One configured etcd member as `memberList` reports it (ids are decimal strings). */
export interface EtcdMemberView {
  id: string;
  /** Empty until the member has started. */
  name: string;
  peerUrls: string[];
  clientUrls?: string[];
  isLearner: boolean;
}

/** What probing one member found. Raft numbers may be decimal strings (uint64). */
export interface ProbeMemberResult {
  /** Member name, as given in the `probe` effect. */
  name: string;
  /** True when the member answered its status call. */
  reachable: boolean;
  /** The member's own id. */
  memberId?: string;
  /** Raft committed index. */
  raftIndex?: string | number | bigint;
  raftTerm?: string | number | bigint;
  /** The id of the leader this member believes in (`"0"` or empty: none). */
  leader?: string;
  isLearner?: boolean;
  /** Backend bytes allocated and in use (for maintenance and the admin API; the core ignores them). */
  dbSize?: number;
  dbSizeInUse?: number;
  /** Why it was unreachable. */
  error?: string;
}

/** The answer to a `probe` effect. */
export interface ProbeInput {
  type: "probe";
  results: ProbeMemberResult[];
  /** True when a quorum (linearizable) read through the voting members succeeded. */
  linearizableReadOk: boolean;
  /** The configured membership, when some member could list it. */
  membership?: EtcdMemberView[];
  /** Why the linearizable read failed. */
  readError?: string;
}

/** Which etcd membership call an `etcdResult` answers. */
export type EtcdOp = "addLearner" | "promote" | "remove";

/** The answer to an `etcdAddLearner`, `etcdPromote` or `etcdRemove` effect. */
export interface EtcdResultInput {
  type: "etcdResult";
  op: EtcdOp;
  ok: boolean;
  /** Error text (or a note) for the log. */
  detail?: string;
  /** The admin client's error kind (`member-not-found`, `learner-not-ready`, `timeout`...). */
  errorKind?: string;
  /** addLearner: the new member's id. */
  memberId?: string;
  /** addLearner: false when the server has no learners and added a voter instead. */
  learner?: boolean;
  /** The membership after the change, when known. */
  members?: EtcdMemberView[];
}

/**
 * What became of an `executorOrder`: the executor's outcome (a MESSAGE or a labelled
 * TASK_RUNNING update; the same outcome may arrive both ways), or a failed delivery.
 */
export interface OrderOutcomeInput {
  type: "orderOutcome";
  /** The order's id, echoed by the executor. */
  orderId?: string;
  /** The task the order was for (empty when the executor had no live task). */
  taskId: string;
  op: OrderOp;
  ok: boolean;
  /** etcd's state afterwards, as the executor reports it. */
  etcd?: "running" | "stopped";
  message: string;
  /** True when the MESSAGE carrying the order could not be sent at all. */
  undelivered?: boolean;
}

/** Every input of {@linkcode step}. */
export type Input =
  /**
   * SUBSCRIBED from the master; `newFramework` when the framework had no id before this run
   * (the master cannot know any task of it, so reconciliation is over at once).
   */
  | { type: "subscribed"; frameworkId: string; newFramework?: boolean }
  /** The subscription ended (stream closed, master failover). */
  | { type: "disconnected"; reason?: string }
  | { type: "offers"; offers: Offer[] }
  | { type: "rescind"; offerId: string }
  | { type: "status"; status: TaskStatus }
  /** FAILURE from the master: an agent was removed, or an executor exited. */
  | { type: "failure"; agentId: string; executorId?: string }
  | ProbeInput
  | EtcdResultInput
  /** Time passed (a timer armed by `armTimer` fired, or a periodic tick). */
  | { type: "tick" }
  /**
   * An operator request from the admin API; the decision comes back as an `adminReply` effect
   * (with this `requestId`).
   */
  | { type: "admin"; action: "reseed"; requestId?: number }
  /** An operator sets the cluster size (`POST /cluster-size`); decided as an `adminReply`. */
  | { type: "resize"; size: number; requestId?: number }
  | OrderOutcomeInput
  /** The volume records kept in ZooKeeper, loaded at start (empty for an ephemeral framework). */
  | { type: "volumesKnown"; records: VolumeRecord[] }
  /** An operator replaces a member elsewhere (`POST /members/<name>/replace`). */
  | { type: "replaceMember"; name: string; requestId?: number }
  /** Backups known, and restore requests (see restore_run.ts). */
  /** Rolling restarts: the request, MoveLeader answers, the stored record. */
  | RollingRestartInput
  | RestoreInput;
