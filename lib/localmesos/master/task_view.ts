/**
 * A TaskRecord as a `mesos.v1.Task` message (operator API: GET_TASKS, TASK_ADDED) and
 * the operator events about tasks.
 *
 * @module
 */
import type { Plain } from "../../mesos/plain.ts";
import type { TaskRecord } from "./state.ts";

/** The task as a `mesos.v1.Task`. */
export function taskMessage(task: TaskRecord): Plain {
  const out: Plain = {
    name: task.name,
    task_id: { value: task.taskId },
    framework_id: { value: task.frameworkId },
  };
  if (task.executorId !== undefined) out.executor_id = { value: task.executorId };
  out.agent_id = { value: task.agentId };
  out.state = task.state;
  out.resources = task.resources;
  out.statuses = task.statuses;
  if (task.latest !== undefined) out.status_update_state = task.latest.state;
  if (task.latest?.uuid !== undefined) out.status_update_uuid = task.latest.uuid;
  if (task.info.labels !== undefined) out.labels = task.info.labels;
  if (task.info.discovery !== undefined) out.discovery = task.info.discovery;
  if (task.info.container !== undefined) out.container = task.info.container;
  return out;
}

/** Operator event TASK_ADDED. */
export function taskAddedEvent(task: TaskRecord): Plain {
  return { type: "TASK_ADDED", task_added: { task: taskMessage(task) } };
}

/** Operator event TASK_UPDATED for `status`. */
export function taskUpdatedEvent(task: TaskRecord, status: Plain): Plain {
  return {
    type: "TASK_UPDATED",
    task_updated: { framework_id: { value: task.frameworkId }, status, state: task.state },
  };
}
