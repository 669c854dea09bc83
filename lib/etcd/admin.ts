/**
 * What the scheduler asks of etcd: the {@linkcode EtcdAdmin} interface and the shapes of
 * its answers. `createEtcdAdminClient` (admin_client.ts) implements it over etcd's JSON
 * gateway; tests implement it with fakes (testing/etcd_admin_stub.ts).
 *
 * Ids, raft indexes and terms are decimal strings (etcd's uint64s exceed 2^53); compare
 * them with `BigInt`.
 *
 * @module
 */

/** One configured etcd member. */
export interface EtcdMember {
  /** Member id, decimal. */
  id: string;
  /** Empty until the member has started and published its name. */
  name: string;
  peerUrls: string[];
  /** Empty until the member has started. */
  clientUrls: string[];
  isLearner: boolean;
}

/** What one member says about itself (etcd's maintenance Status). */
export interface EtcdMemberStatus {
  /** The endpoint asked, `host:port`. */
  endpoint: string;
  /** The answering member's id, decimal. */
  memberId: string;
  /** The leader this member believes in, decimal; `"0"` when it knows none. */
  leader: string;
  /** Raft committed index, decimal. */
  raftIndex: string;
  /** Raft applied index, decimal (`"0"` on servers that do not report it). */
  raftAppliedIndex: string;
  /** Raft term, decimal. */
  raftTerm: string;
  isLearner: boolean;
  /** Backend size in bytes (physically allocated). */
  dbSize: number;
  /** Backend bytes logically in use; `dbSize - dbSizeInUse` is what a defragmentation frees. */
  dbSizeInUse: number;
  /** Server version, e.g. `3.4.23`. */
  version: string;
  /** Alarms and health errors the member reports. */
  errors: string[];
}

/** Result of {@linkcode EtcdAdmin.addLearner}. */
export interface AddMemberResult {
  /** The new member (no name or client URLs until it starts). */
  member: EtcdMember;
  /** The membership after the change. */
  members: EtcdMember[];
  /** False when the server has no learners and a voting member was added instead. */
  learner: boolean;
}

/** Result of {@linkcode EtcdAdmin.linearizableRead}. */
export interface LinearizableReadResult {
  /** The member that served the read, decimal. */
  memberId: string;
  /** KV revision, decimal. */
  revision: string;
  /** Raft term, decimal. */
  raftTerm: string;
}

/** Result of {@linkcode EtcdAdmin.hashKV}. */
export interface EtcdHashKV {
  endpoint: string;
  memberId: string;
  /**
   * Hash of the member's keys at `revision` (each key's value, version, create and mod
   * revision; keyspace_hash.ts), decimal: members holding the same data agree on it.
   */
  hash: string;
  /** The revision hashed, decimal. */
  revision: string;
  /** The member's compacted revision when known, else `"0"` (the JSON gateway does not tell). */
  compactRevision: string;
}

/** Per-call options of cluster calls. */
export interface ClusterCallOptions {
  /** Endpoints to try instead of the configured ones. */
  endpoints?: readonly string[];
}

/** The etcd administration the scheduler needs; inject a fake in core tests. */
export interface EtcdAdmin {
  /** Status of the member at `endpoint` (that member only). */
  status(endpoint: string): Promise<EtcdMemberStatus>;
  /** Hash of the member's KV store at `revision` (default: its latest). */
  hashKV(endpoint: string, revision?: string): Promise<EtcdHashKV>;
  /** The configured membership. */
  memberList(options?: ClusterCallOptions): Promise<EtcdMember[]>;
  /** Adds a learner with `peerUrls` (a voter where learners are unsupported). */
  addLearner(peerUrls: readonly string[], options?: ClusterCallOptions): Promise<AddMemberResult>;
  /** Promotes learner `memberId` to a voter; returns the membership after. */
  promote(memberId: string, options?: ClusterCallOptions): Promise<EtcdMember[]>;
  /** Removes `memberId`; returns the membership after. */
  remove(memberId: string, options?: ClusterCallOptions): Promise<EtcdMember[]>;
  /**
   * Transfers leadership from the leader at `leaderEndpoint` to the voter `targetMemberId`
   * (etcd's MoveLeader; only the leader accepts it). Absent on fakes that cannot.
   */
  moveLeader?(leaderEndpoint: string, targetMemberId: string): Promise<void>;
  /** A quorum (linearizable) read of one key; proves the cluster can serve reads. */
  linearizableRead(options?: ClusterCallOptions): Promise<LinearizableReadResult>;
  /** Replaces the endpoints cluster calls use; drops per-member clients no longer listed. */
  setEndpoints(endpoints: readonly string[]): void;
  /** Releases every connection; later calls fail with kind `closed`. */
  close(): void;
}

/** The key read by {@linkcode EtcdAdmin.linearizableRead}. */
export const PROBE_KEY = "etcd-mesos/health-probe";
