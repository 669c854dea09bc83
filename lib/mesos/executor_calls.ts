/**
 * Pure constructors of `mesos.v1.executor.Call` messages, and the stamping of a status
 * update the way the agent expects it from an executor.
 *
 * @module
 */
import type { ExecutorID, FrameworkID, TaskInfo, TaskStatus } from "./types.ts";

/** A `mesos.v1.executor.Call`. */
export interface ExecutorCall {
  executor_id: ExecutorID;
  framework_id: FrameworkID;
  type: "SUBSCRIBE" | "UPDATE" | "MESSAGE";
  subscribe?: {
    unacknowledged_tasks?: TaskInfo[];
    unacknowledged_updates?: { status: TaskStatus }[];
  };
  update?: { status: TaskStatus };
  message?: { data: Uint8Array };
}

/** Who is calling: every executor call names its framework and executor. */
export interface ExecutorIds {
  frameworkId: string;
  executorId: string;
}

function base(ids: ExecutorIds, type: ExecutorCall["type"]): ExecutorCall {
  return {
    executor_id: { value: ids.executorId },
    framework_id: { value: ids.frameworkId },
    type,
  };
}

/**
 * SUBSCRIBE, always with a `subscribe` message (`"subscribe":{}` when there is nothing to
 * resend); after a disconnection it carries the tasks and updates not yet acknowledged.
 */
export function executorSubscribe(
  ids: ExecutorIds,
  pending: { unacknowledgedTasks?: TaskInfo[]; unacknowledgedUpdates?: TaskStatus[] } = {},
): ExecutorCall {
  const subscribe: NonNullable<ExecutorCall["subscribe"]> = {};
  if (pending.unacknowledgedTasks?.length) {
    subscribe.unacknowledged_tasks = pending.unacknowledgedTasks;
  }
  if (pending.unacknowledgedUpdates?.length) {
    subscribe.unacknowledged_updates = pending.unacknowledgedUpdates.map((status) => ({ status }));
  }
  return { ...base(ids, "SUBSCRIBE"), subscribe };
}

/** UPDATE with an already stamped status (see {@linkcode stampStatus}). */
export function executorUpdate(ids: ExecutorIds, status: TaskStatus): ExecutorCall {
  return { ...base(ids, "UPDATE"), update: { status } };
}

/** MESSAGE to the scheduler (unreliable). Text is sent as UTF-8. */
export function executorMessage(ids: ExecutorIds, data: Uint8Array | string): ExecutorCall {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  return { ...base(ids, "MESSAGE"), message: { data: bytes } };
}

/**
 * A copy of `status` as an executor must send it: a fresh 16-byte `uuid`,
 * `source: SOURCE_EXECUTOR`, `timestamp` in seconds and the executor id.
 *
 * @throws {RangeError} naming the length when `uuid` is not 16 bytes.
 */
export function stampStatus(
  status: TaskStatus,
  stamp: { executorId: string; nowMs: number; uuid: Uint8Array },
): TaskStatus {
  if (stamp.uuid.length !== 16) {
    throw new RangeError(`Cannot stamp a status with a ${stamp.uuid.length}-byte uuid: need 16`);
  }
  return {
    ...status,
    source: "SOURCE_EXECUTOR",
    executor_id: { value: stamp.executorId },
    timestamp: stamp.nowMs / 1000,
    uuid: stamp.uuid,
  };
}
