/**
 * ACCEPT: offer validation (invalid, rescinded or foreign offers make every LAUNCH task
 * TASK_LOST, or TASK_DROPPED for PARTITION_AWARE frameworks, with REASON_INVALID_OFFERS),
 * task validation (TASK_ERROR, REASON_TASK_INVALID), resource accounting, delivery to the
 * agent, and filtering of the unused resources for `refuse_seconds`.
 *
 * @module
 */
import type { Plain } from "../../mesos/plain.ts";
import type { Resource } from "../../mesos/types.ts";
import type { MasterContext } from "./context.ts";
import { taskInfoError } from "./launch_validation.ts";
import { addFilter, removeOffer } from "./offer_ops.ts";
import { addResources, containsResources, subtractResources } from "./resources.ts";
import {
  type AgentRecord,
  executorKey,
  type FrameworkRecord,
  hasCapability,
  type OfferRecord,
  type TaskRecord,
} from "./state.ts";
import { masterStatus } from "./statuses.ts";
import { taskAddedEvent } from "./task_view.ts";
import { toJsonObject } from "./wire.ts";

/** Handles the `accept` sub-message of an ACCEPT call from `fw`. */
export function accept(ctx: MasterContext, fw: FrameworkRecord, call: Plain): void {
  const operations: Plain[] = call.operations ?? [];
  const offers: OfferRecord[] = [];
  let error: string | undefined;
  for (const { value } of call.offer_ids ?? []) {
    const offer = ctx.state.offers.get(value);
    if (offer === undefined || offer.frameworkId !== fw.id) {
      error = `Offer ${value} is no longer valid`;
      break;
    }
    if (offers.some((o) => o.id === value)) {
      error = `Offer ${value} appears more than once in offer_ids`;
      break;
    }
    offers.push(offer);
  }
  if (error === undefined && offers.length === 0) error = "No offers specified";
  const agentId = offers[0]?.agentId;
  if (error === undefined && offers.some((o) => o.agentId !== agentId)) {
    error = "Aggregated offers must belong to one single agent";
  }
  const agent = agentId === undefined ? undefined : ctx.state.agents.get(agentId);
  if (error === undefined && (agent === undefined || !agent.connected)) {
    error = `Agent ${agentId} is not available`;
  }
  for (const o of offers) removeOffer(ctx, o.id);

  if (error !== undefined || agent === undefined) {
    ctx.logger.info("ACCEPT with invalid offers", { framework_id: fw.id, error });
    const state = hasCapability(fw.info, "PARTITION_AWARE") ? "TASK_DROPPED" : "TASK_LOST";
    for (const task of launchTasks(operations)) {
      ctx.forwardUpdate(
        fw,
        masterStatus({
          taskId: task.task_id?.value ?? "",
          state,
          message: `Task launched with invalid offers: ${error}`,
          reason: "REASON_INVALID_OFFERS",
          agentId: task.agent_id?.value,
          timestamp: ctx.now(),
        }),
      );
    }
    ctx.scheduleAllocation();
    return;
  }

  let pool = offers.reduce<Resource[]>((sum, o) => addResources(sum, o.resources), []);
  for (const op of operations) {
    if (op.type !== "LAUNCH") {
      ctx.logger.warn("ignoring unsupported offer operation", {
        type: op.type,
        framework_id: fw.id,
      });
      continue;
    }
    for (const task of op.launch?.task_infos ?? []) pool = launch(ctx, fw, agent, task, pool);
  }
  addFilter(ctx, fw, agent.id, pool, call.filters);
  ctx.scheduleAllocation();
}

function launchTasks(operations: Plain[]): Plain[] {
  return operations.filter((op) => op.type === "LAUNCH").flatMap((op) =>
    op.launch?.task_infos ?? []
  );
}

/** Validates and launches one task out of `pool`; returns what is left of the pool. */
function launch(
  ctx: MasterContext,
  fw: FrameworkRecord,
  agent: AgentRecord,
  task: Plain,
  pool: Resource[],
): Resource[] {
  const taskId: string = task.task_id?.value ?? "";
  const taskError = (message: string) => {
    ctx.logger.info("task invalid", { framework_id: fw.id, task_id: taskId, message });
    ctx.forwardUpdate(
      fw,
      masterStatus({
        taskId,
        state: "TASK_ERROR",
        message,
        reason: "REASON_TASK_INVALID",
        agentId: task.agent_id?.value,
        timestamp: ctx.now(),
      }),
    );
    return pool;
  };
  const invalid = taskInfoError(task, {
    frameworkId: fw.id,
    agentId: agent.id,
    taskExists: (id) => fw.tasks.has(id),
  });
  if (invalid !== undefined) return taskError(invalid);

  const executor: Plain | undefined = task.executor;
  const execId: string | undefined = executor?.executor_id?.value;
  const newExecutor = execId !== undefined && !agent.executors.has(executorKey(fw.id, execId));
  const taskResources: Resource[] = task.resources ?? [];
  const needed = newExecutor
    ? addResources(taskResources, executor?.resources ?? [])
    : addResources([], taskResources);
  if (!containsResources(pool, needed)) {
    return taskError(
      `Task uses more resources ${describe(needed)} than available ${describe(pool)}`,
    );
  }
  if (newExecutor) {
    agent.executors.set(executorKey(fw.id, execId), {
      frameworkId: fw.id,
      executorId: execId,
      info: { ...executor, framework_id: { value: fw.id } },
      resources: executor?.resources ?? [],
    });
  }
  const record: TaskRecord = {
    frameworkId: fw.id,
    agentId: agent.id,
    taskId,
    name: task.name,
    executorId: execId,
    info: task,
    resources: taskResources,
    state: "TASK_STAGING",
    statuses: [],
    unacked: new Map(),
  };
  ctx.state.addTask(record);
  ctx.publishOperatorEvent(taskAddedEvent(record));
  ctx.logger.info("launching task", { framework_id: fw.id, task_id: taskId, agent_id: agent.id });

  const taskJson = toJsonObject("mesos.v1.TaskInfo", {
    ...task,
    ...(executor ? { executor: { ...executor, framework_id: { value: fw.id } } } : {}),
  });
  ctx.agents.runTask(agent.url, {
    framework_info: toJsonObject("mesos.v1.FrameworkInfo", fw.info),
    task: taskJson,
  }).then((ok) => {
    if (ok || !ctx.alive || record.statuses.length > 0) return;
    if (ctx.state.task(fw.id, taskId) !== record) return;
    const lost = hasCapability(fw.info, "PARTITION_AWARE") ? "TASK_DROPPED" : "TASK_LOST";
    const status = masterStatus({
      taskId,
      state: lost,
      message: "Failed to deliver the task to the agent",
      reason: "REASON_AGENT_DISCONNECTED",
      agentId: agent.id,
      timestamp: ctx.now(),
    });
    record.state = lost;
    record.statuses.push(status);
    record.latest = status;
    ctx.state.removeTask(record);
    ctx.forwardUpdate(fw, status);
    ctx.scheduleAllocation();
  });
  return subtractResources(pool, needed);
}

function describe(resources: Resource[]): string {
  return resources.map((r) => {
    if (r.type === "SCALAR") return `${r.name}:${r.scalar?.value ?? 0}`;
    if (r.type === "RANGES") {
      return `${r.name}:[${(r.ranges?.range ?? []).map((x) => `${x.begin}-${x.end}`).join(",")}]`;
    }
    return `${r.name}:{${(r.set?.item ?? []).join(",")}}`;
  }).join("; ");
}
