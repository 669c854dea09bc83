/**
 * TaskStatus messages the master generates itself (SOURCE_MASTER, no uuid): validation
 * errors, invalid offers, agent removal and reconciliation answers.
 *
 * @module
 */
import type { Plain } from "../../mesos/plain.ts";
import type { TaskState } from "../../mesos/types.ts";

/** Fields of a master-generated status. */
export interface MasterStatusFields {
  taskId: string;
  state: TaskState;
  message: string;
  reason: string;
  agentId?: string;
  executorId?: string;
  /** Seconds since the epoch. */
  timestamp: number;
  /** Seconds since the epoch the agent became unreachable. */
  unreachableTime?: number;
  healthy?: boolean;
  containerStatus?: Plain;
}

/** Builds a master-generated TaskStatus (never carries a uuid). */
export function masterStatus(f: MasterStatusFields): Plain {
  const status: Plain = {
    task_id: { value: f.taskId },
    state: f.state,
    message: f.message,
    source: "SOURCE_MASTER",
    reason: f.reason,
  };
  if (f.agentId !== undefined) status.agent_id = { value: f.agentId };
  if (f.executorId !== undefined) status.executor_id = { value: f.executorId };
  status.timestamp = f.timestamp;
  if (f.healthy !== undefined) status.healthy = f.healthy;
  if (f.containerStatus !== undefined) status.container_status = f.containerStatus;
  if (f.unreachableTime !== undefined) {
    status.unreachable_time = { nanoseconds: secondsToNanos(f.unreachableTime) };
  }
  return status;
}

/** Seconds (double) to int64 nanoseconds (bigint beyond 2^53). */
export function secondsToNanos(seconds: number): number | bigint {
  const ns = BigInt(Math.round(seconds * 1e6)) * 1000n;
  return ns <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(ns) : ns;
}
