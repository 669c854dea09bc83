/**
 * What the scheduler's maintenance asks of etcd besides membership: alarms (list and
 * disarm), the current revision, compaction and defragmentation. The
 * {@linkcode EtcdMaintenance} interface and its answers; `createEtcdMaintenanceClient`
 * (maintenance_client.ts) implements it over etcd's JSON gateway.
 *
 * Member ids and revisions are decimal strings (etcd's uint64s exceed 2^53).
 *
 * @module
 */
import type { ClusterCallOptions } from "./admin.ts";

/** The alarms etcd raises. */
export type EtcdAlarmType = "NOSPACE" | "CORRUPT";

/** One raised alarm, as etcd's AlarmList reports it. */
export interface EtcdAlarm {
  /** The member that raised it, decimal. */
  memberId: string;
  alarm: EtcdAlarmType;
}

/** Result of {@linkcode EtcdMaintenance.compact}. */
export interface CompactResult {
  /** The revision compacted to, decimal. */
  revision: string;
  /** True when etcd had compacted to that revision (or past it) already: nothing was done. */
  alreadyCompacted: boolean;
}

/** The maintenance calls of the scheduler; real etcd in tests, never a mock of it. */
export interface EtcdMaintenance {
  /** Every raised alarm of the cluster (etcd's AlarmList). */
  alarms(options?: ClusterCallOptions): Promise<EtcdAlarm[]>;
  /** Deactivates `alarm`; returns the alarms still raised afterwards. */
  disarm(alarm: EtcdAlarm, options?: ClusterCallOptions): Promise<EtcdAlarm[]>;
  /** The cluster's current KV revision, decimal. */
  revision(options?: ClusterCallOptions): Promise<string>;
  /** Compacts the KV history up to `revision` and waits until it is physically applied. */
  compact(revision: string, options?: ClusterCallOptions): Promise<CompactResult>;
  /** Defragments the backend of the member at `endpoint` (that member only; it blocks it). */
  defragment(endpoint: string): Promise<void>;
  /** Replaces the endpoints cluster calls use; drops per-member clients no longer listed. */
  setEndpoints(endpoints: readonly string[]): void;
  /** Releases every connection. */
  close(): void;
}

/** The alarm type of etcd's enum value (name or number); `undefined` for NONE or unknown. */
export function alarmTypeOf(value: unknown): EtcdAlarmType | undefined {
  const v = String(value).toUpperCase();
  if (v === "NOSPACE" || v === "1") return "NOSPACE";
  if (v === "CORRUPT" || v === "2") return "CORRUPT";
  return undefined;
}
