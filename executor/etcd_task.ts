/**
 * The one etcd task an executor runs: its phase, its etcd process and restart window, and
 * the maintenance order waiting for etcd to become healthy.
 *
 * @module
 */
import type { TaskInfo } from "../lib/mesos/types.ts";
import type { MemberConfig } from "../contract/member_config.ts";
import type { MaintenanceOrder } from "../contract/orders.ts";
import type { EtcdProcess } from "./etcd_process.ts";

/**
 * Where the task is: `starting` until etcd first answers, `running` after, `stopped` when
 * a `stop` order fenced etcd, `killing` during a KILL or SHUTDOWN, `terminal` once its
 * last update is sent.
 */
export type Phase = "starting" | "running" | "stopped" | "killing" | "terminal";

/** The executor's task and its etcd. */
export interface EtcdTask {
  id: string;
  info: TaskInfo;
  config: MemberConfig;
  clientUrl: string;
  phase: Phase;
  /** Start of the restart window (launch, or the last reseed/restart order). */
  windowStart: number;
  restarts: number;
  proc?: EtcdProcess;
  stopping: boolean;
  health?: AbortController;
  restartTimer?: number;
  sentRunning: boolean;
  forceNewCluster: boolean;
  pendingOrder?: MaintenanceOrder;
  /** The etcd binary a rolling restart downloaded (absent: the executor's own). */
  etcdBin?: string;
  /** etcd flags a rolling restart added (replacing same-named ones). */
  etcdFlags?: string[];
}

/** A Mesos `DurationInfo` in ms; `undefined` when absent, negative or not finite. */
export function durationMs(d: { nanoseconds: number | bigint } | undefined): number | undefined {
  if (d === undefined) return undefined;
  const ms = Number(d.nanoseconds) / 1e6;
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}
