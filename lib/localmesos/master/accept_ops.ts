/**
 * ACCEPT, as a Mesos 1.12 master handles it (src/master/master.cpp `accept`/`_accept`):
 *
 * - offer validation: invalid, rescinded or foreign offers make every LAUNCH task
 *   TASK_LOST (TASK_DROPPED for PARTITION_AWARE frameworks) with REASON_INVALID_OFFERS and
 *   drop the other operations;
 * - every operation's resources are checked and upgraded to the post-refinement format
 *   first, with the offer's allocation role injected;
 * - then, in order, against the offered pool: LAUNCH (task validation: TASK_ERROR with
 *   REASON_TASK_INVALID), and RESERVE / UNRESERVE / CREATE / DESTROY
 *   (resources/operations.ts), which change the pool and the agent's total and are sent to
 *   the agent as its checkpointed resources. An invalid operation is dropped: a WARN log
 *   line, and — only when the framework set the operation's `id` — an
 *   UPDATE_OPERATION_STATUS OPERATION_ERROR with Mesos' message. Without an `id`, Mesos
 *   says nothing: the framework learns the outcome from later offers;
 * - what is left of the pool is refused for `refuse_seconds`.
 *
 * @module
 */
import type { Plain } from "../../mesos/plain.ts";
import type { Resource } from "../../mesos/types.ts";
import { randomUuidBytes } from "../../mesos/uuid.ts";
import { offerResources, stringifyResources } from "../resources/format.ts";
import {
  applyConversions,
  conversionsOf,
  isResourceOperation,
  offersVolume,
  operationError,
  type ResourceOperationType,
  unallocatedConversions,
  upgradeOperationResources,
} from "../resources/operations.ts";
import {
  addResources,
  allocate,
  containsResources,
  normalize,
  subtractResources,
  unallocate,
} from "../resources/resources.ts";
import {
  masterResourcesError,
  resourcesError,
  singleAllocationRoleError,
  uniquePersistenceIdError,
} from "../resources/validation.ts";
import type { MasterContext } from "./context.ts";
import { taskInfoError } from "./launch_validation.ts";
import { addFilter, removeOffer, rescindOffer } from "./offer_ops.ts";
import {
  type AgentRecord,
  agentText,
  checkpointedOf,
  executorKey,
  type FrameworkRecord,
  hasCapability,
  type OfferRecord,
  type TaskRecord,
} from "./state.ts";
import { masterStatus } from "./statuses.ts";
import { taskAddedEvent } from "./task_view.ts";
import { toJsonObject } from "./wire.ts";

/** An operation that passed the first checks. */
type Prepared =
  | { kind: "launch"; op: Plain }
  | { kind: "resources"; op: Plain; type: ResourceOperationType; resources: Resource[] };

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
  const role = offers[0]?.role;
  const other = offers.find((o) => o.role !== role);
  if (error === undefined && other !== undefined) {
    error = `Aggregated offers must be allocated to the same role. Offer ${other.id} uses ` +
      `role '${other.role} but another is using role '${role}`;
  }
  const agentId = offers[0]?.agentId;
  if (error === undefined && offers.some((o) => o.agentId !== agentId)) {
    error = "Aggregated offers must belong to one single agent";
  }
  const agent = agentId === undefined ? undefined : ctx.state.agents.get(agentId);
  if (error === undefined && (agent === undefined || !agent.connected)) {
    error = `Agent ${agentId} is not available`;
  }
  for (const o of offers) removeOffer(ctx, o.id);

  if (error !== undefined || agent === undefined || role === undefined) {
    ctx.logger.info("ACCEPT with invalid offers", { framework_id: fw.id, error });
    const state = hasCapability(fw.info, "PARTITION_AWARE") ? "TASK_DROPPED" : "TASK_LOST";
    for (const op of operations) {
      if (op.type !== "LAUNCH") {
        if (isResourceOperation(op.type)) {
          drop(ctx, fw, op, `Operation attempted with invalid offers: ${error}`);
        }
        continue;
      }
      for (const task of op.launch?.task_infos ?? []) {
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
    }
    ctx.scheduleAllocation();
    return;
  }

  const prepared = prepare(ctx, fw, operations, role);
  let pool = allocate(
    offers.reduce<Resource[]>((sum, o) => addResources(sum, o.resources), []),
    role,
  );
  for (const p of prepared) {
    if (p.kind === "launch") {
      for (const task of p.op.launch?.task_infos ?? []) {
        pool = launch(ctx, fw, agent, task, pool, role);
      }
    } else {
      pool = applyOperation(ctx, fw, agent, p, pool);
    }
  }
  addFilter(ctx, fw, agent.id, unallocate(pool), call.filters);
  ctx.scheduleAllocation();
}

/**
 * The first pass over the operations: resources well-formed (then upgraded), no `id` on a
 * LAUNCH. Failures are reported at once, before any operation is applied, as in Mesos.
 */
function prepare(
  ctx: MasterContext,
  fw: FrameworkRecord,
  operations: Plain[],
  role: string,
): Prepared[] {
  const out: Prepared[] = [];
  for (const op of operations) {
    if (op.type === "LAUNCH") {
      const tasks: Plain[] = op.launch?.task_infos ?? [];
      let invalid: string | undefined;
      if (op.id !== undefined) invalid = "The `id` field cannot be set on LAUNCH operations";
      for (const task of tasks) {
        invalid ??= resourcesError(task.resources ?? []) ??
          resourcesError(task.executor?.resources ?? []);
      }
      if (invalid !== undefined) {
        for (const task of tasks) taskError(ctx, fw, task, invalid);
        continue;
      }
      out.push({ kind: "launch", op });
    } else if (isResourceOperation(op.type)) {
      const upgraded = upgradeOperationResources(op, role);
      if ("error" in upgraded) drop(ctx, fw, op, upgraded.error);
      else out.push({ kind: "resources", op, type: op.type, resources: upgraded.resources });
    } else {
      ctx.logger.warn("ignoring unsupported offer operation", {
        type: op.type,
        framework_id: fw.id,
      });
    }
  }
  return out;
}

/**
 * Mesos' `Master::drop` of an offer operation: a WARN line, and OPERATION_ERROR to the
 * framework only if it asked for feedback by setting the operation's `id`.
 */
function drop(ctx: MasterContext, fw: FrameworkRecord, op: Plain, message: string): void {
  ctx.logger.warn(`Dropping ${op.type} operation from framework ${fw.id}: ${message}`, {
    framework_id: fw.id,
    operation_id: op.id?.value,
  });
  if (op.id === undefined) return;
  ctx.sendEvent(fw, {
    type: "UPDATE_OPERATION_STATUS",
    update_operation_status: {
      status: { operation_id: op.id, state: "OPERATION_ERROR", message },
    },
  });
}

/** Validates and applies a RESERVE, UNRESERVE, CREATE or DESTROY; returns the new pool. */
function applyOperation(
  ctx: MasterContext,
  fw: FrameworkRecord,
  agent: AgentRecord,
  p: Extract<Prepared, { kind: "resources" }>,
  pool: Resource[],
): Resource[] {
  const used = [...ctx.state.frameworks.keys()].map((id) => ctx.state.usedOnAgent(agent.id, id));
  const invalid = operationError(p.type, p.resources, {
    framework: fw.info,
    checkpointed: checkpointedOf(agent),
    used,
  });
  if (invalid !== undefined) {
    drop(ctx, fw, p.op, `${invalid}; on agent ${agentText(agent)}`);
    return pool;
  }
  if (p.type === "DESTROY") {
    // Offers elsewhere that hold a volume being destroyed are rescinded (and re-offered).
    for (const offer of ctx.state.offersOnAgent(agent.id)) {
      if (offersVolume(offer.resources, p.resources)) rescindOffer(ctx, offer.id);
    }
  }
  const conversions = conversionsOf(p.type, p.resources);
  const applied = applyConversions(pool, conversions);
  if ("error" in applied) {
    drop(ctx, fw, p.op, applied.error);
    return pool;
  }
  const total = applyConversions(agent.total, unallocatedConversions(conversions));
  if ("error" in total) {
    ctx.logger.error("cannot apply an operation to the agent's total", {
      agent_id: agent.id,
      error: total.error,
    });
    return pool;
  }
  agent.total = total.resources;
  ctx.logger.info(`Applying ${p.type} operation`, {
    framework_id: fw.id,
    agent_id: agent.id,
    resources: stringifyResources(p.resources),
  });
  const converted = conversions.flatMap((c) => c.converted);
  ctx.agents.checkpointResources(agent.url, {
    resources: checkpointedOf(agent).map((r) => toJsonObject("mesos.v1.Resource", r)),
  }).then((ok) => {
    if (!ok || p.op.id === undefined || !ctx.alive) return;
    // Operation feedback (the agent has AGENT_OPERATION_FEEDBACK): OPERATION_FINISHED.
    ctx.sendEvent(fw, {
      type: "UPDATE_OPERATION_STATUS",
      update_operation_status: {
        status: {
          operation_id: p.op.id,
          state: "OPERATION_FINISHED",
          converted_resources: offerResources(converted, {
            multiRole: hasCapability(fw.info, "MULTI_ROLE"),
            refinement: hasCapability(fw.info, "RESERVATION_REFINEMENT"),
            role: converted[0]?.allocation_info?.role ?? "*",
          }),
          uuid: { value: randomUuidBytes() },
          agent_id: { value: agent.id },
        },
      },
    });
  });
  return applied.resources;
}

function taskError(ctx: MasterContext, fw: FrameworkRecord, task: Plain, message: string) {
  const taskId: string = task.task_id?.value ?? "";
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
}

/** Resources of a task or executor as the master handles them: upgraded, allocated. */
function allocated(resources: Resource[] | undefined, role: string): Resource[] {
  return normalize(resources ?? []).map((r) =>
    r.allocation_info === undefined ? { ...r, allocation_info: { role } } : r
  );
}

/** Why the task's or executor's resources are invalid (Mesos' task validation), if they are. */
function resourcesProblem(
  task: Resource[],
  executor: Resource[] | undefined,
): string | undefined {
  let error = masterResourcesError(task);
  if (error !== undefined) return `Task uses invalid resources: ${error}`;
  error = uniquePersistenceIdError(task);
  if (error !== undefined) return `Task uses duplicate persistence ID: ${error}`;
  if (task.length > 0) {
    error = singleAllocationRoleError(task);
    if (error !== undefined) return `Invalid task resources: ${error}`;
  }
  if (executor === undefined) return undefined;
  error = masterResourcesError(executor);
  if (error !== undefined) return `Executor uses invalid resources: ${error}`;
  error = uniquePersistenceIdError(executor);
  if (error !== undefined) return `Executor uses duplicate persistence ID: ${error}`;
  if (executor.length > 0) {
    error = singleAllocationRoleError(executor);
    if (error !== undefined) return `Invalid executor resources: ${error}`;
  }
  error = uniquePersistenceIdError([...task, ...executor]);
  if (error !== undefined) return `Task and its executor use duplicate persistence ID: ${error}`;
  return undefined;
}

/** Validates and launches one task out of `pool`; returns what is left of the pool. */
function launch(
  ctx: MasterContext,
  fw: FrameworkRecord,
  agent: AgentRecord,
  task: Plain,
  pool: Resource[],
  role: string,
): Resource[] {
  const taskId: string = task.task_id?.value ?? "";
  const invalid = taskInfoError(task, {
    frameworkId: fw.id,
    agentId: agent.id,
    taskExists: (id) => fw.tasks.has(id),
  });
  if (invalid !== undefined) {
    taskError(ctx, fw, task, invalid);
    return pool;
  }

  const executor: Plain | undefined = task.executor;
  const execId: string | undefined = executor?.executor_id?.value;
  const newExecutor = execId !== undefined && !agent.executors.has(executorKey(fw.id, execId));
  const taskResources = allocated(task.resources, role);
  const executorResources = executor === undefined
    ? undefined
    : allocated(executor.resources, role);
  const problem = resourcesProblem(taskResources, executorResources);
  if (problem !== undefined) {
    taskError(ctx, fw, task, problem);
    return pool;
  }
  const needed = newExecutor
    ? addResources(taskResources, executorResources ?? [])
    : normalize(taskResources);
  if (!containsResources(pool, needed)) {
    taskError(
      ctx,
      fw,
      task,
      `Total resources ${stringifyResources(needed)} required by task and its executor is ` +
        `more than available ${stringifyResources(pool)}`,
    );
    return pool;
  }
  const executorInfo = executor === undefined ? undefined : {
    ...executor,
    framework_id: { value: fw.id },
    ...(executor.resources === undefined ? {} : { resources: executorResources }),
  };
  if (newExecutor) {
    agent.executors.set(executorKey(fw.id, execId), {
      frameworkId: fw.id,
      executorId: execId,
      info: executorInfo!,
      resources: unallocate(executorResources ?? []),
    });
  }
  const launched: Plain = { ...task, resources: taskResources };
  if (task.resources === undefined) delete launched.resources;
  if (executorInfo !== undefined) launched.executor = executorInfo;
  const record: TaskRecord = {
    frameworkId: fw.id,
    agentId: agent.id,
    taskId,
    name: task.name,
    executorId: execId,
    info: launched,
    resources: unallocate(taskResources),
    state: "TASK_STAGING",
    statuses: [],
    unacked: new Map(),
  };
  ctx.state.addTask(record);
  ctx.publishOperatorEvent(taskAddedEvent(record));
  ctx.logger.info("launching task", { framework_id: fw.id, task_id: taskId, agent_id: agent.id });

  ctx.agents.runTask(agent.url, {
    framework_info: toJsonObject("mesos.v1.FrameworkInfo", fw.info),
    task: toJsonObject("mesos.v1.TaskInfo", launched),
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
