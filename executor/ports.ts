/**
 * Everything the etcd executor does to the outside world, injected so that tests drive it
 * with fakes and a fake clock: status updates, framework messages, spawning etcd, waiting
 * for its health, the clock and the write-ahead-log check.
 *
 * @module
 */
import type { Clock } from "../lib/clock.ts";
import type { Logger } from "../lib/log.ts";
import type { TaskStatus } from "../lib/mesos/types.ts";
import type { TlsMaterial, TlsPaths } from "../lib/tls/files.ts";
import type { SpawnEtcd } from "./etcd_process.ts";
import type { SnapshotRestoreJob } from "./snapshot_restore.ts";

/** A status update as the executor writes it; the client adds uuid, source and timestamp. */
export type StatusReport =
  & Pick<TaskStatus, "task_id" | "state">
  & Partial<
    Pick<TaskStatus, "message" | "reason" | "data" | "labels">
  >;

/** Everything the executor does to the outside world. */
export interface ExecutorPorts {
  /** Sends a status update (reliably, through the executor client). */
  sendUpdate(status: StatusReport): void;
  /** Sends a framework message to the scheduler. */
  sendMessage(data: Uint8Array): void;
  /** Starts etcd; throws when the binary cannot be run. */
  spawn: SpawnEtcd;
  /** Resolves true once etcd at `clientUrl` is healthy, false when `signal` aborts. */
  waitHealthy(clientUrl: string, signal: AbortSignal): Promise<boolean>;
  clock: Clock;
  logger?: Logger;
  /**
   * True when etcd's write-ahead log under `dataDir` holds at least one `.wal` file. A
   * reseed (`--force-new-cluster`) of a data dir without one would start a new, empty
   * cluster that looks healthy: the order is refused instead. Absent: not checked.
   */
  hasWal?(dataDir: string): boolean;
  /**
   * Replaces the data dir with a backup's snapshot (snapshot_restore.ts): for a `restore`
   * order, and for a member seeded from a backup. Absent: restores are refused.
   */
  restoreSnapshot?(job: SnapshotRestoreJob): Promise<void>;
  /**
   * Downloads the etcd binary at `uri` into the sandbox and returns its path (a rolling
   * restart to a new etcd; see etcd_download.ts). Absent: such restarts are refused.
   */
  downloadEtcd?(uri: string): Promise<string>;
  /** The agent's IP addresses for the member certificate; default the machine's. */
  agentIps?(): string[];
  /** Writes the member's TLS files; default the real files (tests keep them in memory). */
  writeTlsFiles?(paths: TlsPaths, material: Partial<TlsMaterial>): Promise<void>;
}
