/**
 * Reconciliation answers, exactly as a Mesos 1.12 master gives them (protocol doc §4):
 * explicit requests get one answer per task (or none while the agent may still re-register
 * after a master failover); an implicit request (empty list) gets the latest state of every
 * task the master knows. Pure: the caller sends the statuses.
 *
 * @module
 */
import type { Plain } from "../../mesos/plain.ts";
import type { TaskState } from "../../mesos/types.ts";
import type { FrameworkRecord, TaskRecord } from "./state.ts";
import { hasCapability } from "./state.ts";
import { masterStatus } from "./statuses.ts";

/** What the reconciliation needs to know about the cluster. */
export interface ReconcileView {
  framework: FrameworkRecord;
  /** True when the agent is registered with this master. */
  isAgentRegistered(agentId: string): boolean;
  /** When the agent was marked unreachable (seconds), or undefined. */
  unreachableSince(agentId: string): number | undefined;
  /**
   * True while agents unknown to a newly elected master may still re-register: unknown
   * tasks on unknown agents then get no answer (the scheduler retries).
   */
  recovering: boolean;
  /** Seconds since the epoch. */
  now: number;
}

/** One entry of `Call.Reconcile.tasks`. */
export interface ReconcileRequest {
  task_id: { value: string };
  agent_id?: { value: string };
}

/** The TaskStatuses to send for a RECONCILE call (empty `requests` = implicit). */
export function reconcileAnswers(view: ReconcileView, requests: ReconcileRequest[]): Plain[] {
  const fw = view.framework;
  if (requests.length === 0) {
    return [...fw.tasks.values()].map((t) => latestState(t, view.now));
  }
  const partitionAware = hasCapability(fw.info, "PARTITION_AWARE");
  const answers: Plain[] = [];
  for (const req of requests) {
    const taskId = req.task_id.value;
    const agentId = req.agent_id?.value;
    const task = fw.tasks.get(taskId);
    if (task !== undefined) {
      answers.push(latestState(task, view.now));
      continue;
    }
    const unknown = (state: TaskState, message: string, unreachableTime?: number) =>
      answers.push(masterStatus({
        taskId,
        state,
        message,
        reason: "REASON_RECONCILIATION",
        agentId,
        timestamp: view.now,
        unreachableTime,
      }));
    if (agentId !== undefined && view.isAgentRegistered(agentId)) {
      unknown(
        partitionAware ? "TASK_GONE" : "TASK_LOST",
        "Reconciliation: Task is unknown to the agent",
      );
      continue;
    }
    if (view.recovering) continue; // the agent may still re-register: no answer
    const since = agentId === undefined ? undefined : view.unreachableSince(agentId);
    if (since !== undefined) {
      unknown(
        partitionAware ? "TASK_UNREACHABLE" : "TASK_LOST",
        "Reconciliation: Task is unreachable",
        since,
      );
      continue;
    }
    unknown(partitionAware ? "TASK_UNKNOWN" : "TASK_LOST", "Reconciliation: Task is unknown");
  }
  return answers;
}

/** "Reconciliation: Latest task state" for a task the master knows. */
function latestState(task: TaskRecord, now: number): Plain {
  return masterStatus({
    taskId: task.taskId,
    state: task.state,
    message: "Reconciliation: Latest task state",
    reason: "REASON_RECONCILIATION",
    agentId: task.agentId,
    executorId: task.executorId,
    timestamp: now,
    healthy: task.latest?.healthy,
    containerStatus: task.latest?.container_status,
  });
}
