/**
 * What agents tell the master (internal protocol): registration and re-registration with
 * a task report (how a newly elected master learns running tasks), pings and their
 * timeouts, status updates (forwarded as UPDATE), executor exits (FAILURE) and executor
 * messages (MESSAGE); and agent removal (TASK_LOST / TASK_UNREACHABLE, RESCIND, FAILURE).
 *
 * @module
 */
import { base64ToBytes, bytesToBase64, type Plain } from "../../mesos/codec.ts";
import { isTerminal, type TaskState } from "../../mesos/types.ts";
import type {
  ExecutorExitedRequest,
  FrameworkMessageFromExecutor,
  RegisterAgentRequest,
  RegisterAgentResponse,
  StatusUpdateRequest,
} from "../internal_protocol.ts";
import type { MasterContext } from "./context.ts";
import { rescindAllOffers } from "./offer_ops.ts";
import { normalize } from "./resources.ts";
import { type AgentRecord, executorKey, hasCapability, type TaskRecord } from "./state.ts";
import { masterStatus } from "./statuses.ts";
import { taskAddedEvent, taskUpdatedEvent } from "./task_view.ts";
import { fromJsonObject } from "./wire.ts";

/** Registers a new agent or re-registers a known (or, after failover, unknown) agent id. */
export function registerAgent(
  ctx: MasterContext,
  req: RegisterAgentRequest,
): RegisterAgentResponse {
  const info = fromJsonObject("mesos.v1.AgentInfo", req.agent_info);
  const url = new URL(req.agent_url);
  const now = ctx.now();
  let agent = req.agent_id === undefined ? undefined : ctx.state.agents.get(req.agent_id);
  let wasRemoved = false;
  if (agent === undefined) {
    const id = req.agent_id ?? ctx.ids.agent();
    wasRemoved = ctx.state.unreachable.has(id);
    ctx.state.unreachable.delete(id);
    agent = {
      id,
      info,
      url: url.origin,
      ip: url.hostname,
      port: Number(url.port || 80),
      hostname: info.hostname,
      total: normalize(info.resources ?? []),
      attributes: info.attributes ?? [],
      registeredTime: now,
      connected: true,
      executors: new Map(),
    };
    if (req.agent_id !== undefined) agent.reregisteredTime = now;
    ctx.state.agents.set(id, agent);
    ctx.publishOperatorEvent(agentAddedEvent(agent));
    ctx.logger.info(req.agent_id === undefined ? "agent registered" : "agent re-registered", {
      agent_id: id,
      url: agent.url,
    });
  } else {
    Object.assign(agent, {
      info,
      url: url.origin,
      ip: url.hostname,
      port: Number(url.port || 80),
      hostname: info.hostname,
      total: normalize(info.resources ?? []),
      attributes: info.attributes ?? [],
      reregisteredTime: now,
      connected: true,
    });
    ctx.clearTimer(agent.removalTimer);
    agent.removalTimer = undefined;
    ctx.logger.info("agent re-registered", { agent_id: agent.id, url: agent.url });
  }
  agent.info = { ...info, id: { value: agent.id } };
  learnFrameworks(ctx, req.frameworks, now);
  learnTasks(ctx, agent, req.tasks, wasRemoved);
  armPingTimer(ctx, agent);
  ctx.scheduleAllocation();
  return { agent_id: agent.id, master_id: ctx.masterInfo.id };
}

function learnFrameworks(ctx: MasterContext, frameworks: Plain[], now: number) {
  for (const json of frameworks ?? []) {
    const info = fromJsonObject("mesos.v1.FrameworkInfo", json);
    const id: string | undefined = info.id?.value;
    if (id === undefined || ctx.state.frameworks.has(id) || ctx.state.removedFrameworks.has(id)) {
      continue;
    }
    ctx.state.addFramework(id, info, now, true);
    ctx.logger.info("recovered framework from agent", { framework_id: id });
  }
}

function learnTasks(ctx: MasterContext, agent: AgentRecord, tasks: Plain[], wasRemoved: boolean) {
  const shutDown = new Set<string>();
  for (const json of tasks ?? []) {
    const t = fromJsonObject("mesos.v1.Task", json);
    const frameworkId: string = t.framework_id?.value;
    const fw = ctx.state.frameworks.get(frameworkId);
    // Tasks of removed frameworks, and of non-PARTITION_AWARE frameworks on an agent this
    // master removed, are shut down (Mesos 1.x "non-strict" semantics).
    if (fw === undefined || (wasRemoved && !hasCapability(fw.info, "PARTITION_AWARE"))) {
      if (!shutDown.has(frameworkId)) {
        shutDown.add(frameworkId);
        ctx.agents.shutdownFramework(agent.url, { framework_id: frameworkId });
      }
      continue;
    }
    const taskId: string = t.task_id.value;
    if (fw.tasks.has(taskId)) continue;
    const statuses: Plain[] = t.statuses ?? [];
    const info: Plain = { name: t.name, task_id: t.task_id, agent_id: { value: agent.id } };
    for (const k of ["resources", "labels", "discovery", "container"]) {
      if (t[k] !== undefined) info[k] = t[k];
    }
    const record: TaskRecord = {
      frameworkId,
      agentId: agent.id,
      taskId,
      name: t.name,
      executorId: t.executor_id?.value,
      info,
      resources: t.resources ?? [],
      state: t.state as TaskState,
      statuses,
      latest: statuses[statuses.length - 1],
      unacked: new Map(),
    };
    ctx.state.addTask(record);
    if (
      record.executorId !== undefined && !agent.executors.has(executorKey(fw.id, record.executorId))
    ) {
      agent.executors.set(executorKey(fw.id, record.executorId), {
        frameworkId,
        executorId: record.executorId,
        info: { executor_id: { value: record.executorId }, framework_id: { value: frameworkId } },
        resources: [],
      });
    }
    ctx.publishOperatorEvent(taskAddedEvent(record));
  }
}

/** (Re)starts the agent's ping timeout. */
export function armPingTimer(ctx: MasterContext, agent: AgentRecord): void {
  ctx.clearTimer(agent.pingTimer);
  agent.pingTimer = ctx.setTimer(() => {
    agent.pingTimer = undefined;
    disconnectAgent(ctx, agent);
  }, ctx.options.agentPingTimeoutMs);
}

/** A ping; false means the master does not know the agent (it must re-register). */
export function ping(ctx: MasterContext, agentId: string): boolean {
  const agent = ctx.state.agents.get(agentId);
  if (agent === undefined || !agent.connected) return false;
  armPingTimer(ctx, agent);
  return true;
}

/** Ping timeout: no more offers of the agent; removal after `agentReregisterTimeoutMs`. */
export function disconnectAgent(ctx: MasterContext, agent: AgentRecord): void {
  if (!agent.connected || ctx.state.agents.get(agent.id) !== agent) return;
  ctx.logger.warn("agent ping timeout, disconnecting", { agent_id: agent.id });
  agent.connected = false;
  rescindAllOffers(ctx, agent.id);
  ctx.clearTimer(agent.removalTimer);
  agent.removalTimer = ctx.setTimer(() => {
    agent.removalTimer = undefined;
    if (!agent.connected) removeAgent(ctx, agent);
  }, ctx.options.agentReregisterTimeoutMs);
}

/** Removes an agent: its tasks go LOST (UNREACHABLE if partition-aware), offers are rescinded. */
export function removeAgent(ctx: MasterContext, agent: AgentRecord): void {
  if (ctx.state.agents.get(agent.id) !== agent) return;
  ctx.clearTimer(agent.pingTimer);
  ctx.clearTimer(agent.removalTimer);
  const now = ctx.now();
  ctx.logger.warn("removing agent", { agent_id: agent.id });
  rescindAllOffers(ctx, agent.id);
  for (const task of ctx.state.tasksOnAgent(agent.id)) {
    const fw = ctx.state.frameworks.get(task.frameworkId);
    if (fw !== undefined && !isTerminal(task.state)) {
      const state = hasCapability(fw.info, "PARTITION_AWARE") ? "TASK_UNREACHABLE" : "TASK_LOST";
      const status = masterStatus({
        taskId: task.taskId,
        state,
        message: `Agent ${agent.hostname} is unreachable`,
        reason: "REASON_AGENT_REMOVED",
        agentId: agent.id,
        executorId: task.executorId,
        timestamp: now,
        unreachableTime: now,
      });
      recordStatus(task, status);
      ctx.publishOperatorEvent(taskUpdatedEvent(task, status));
      ctx.forwardUpdate(fw, status);
    }
    ctx.state.removeTask(task);
  }
  ctx.filters.clearAgent(agent.id);
  ctx.state.agents.delete(agent.id);
  ctx.state.unreachable.set(agent.id, now);
  for (const fw of ctx.state.frameworks.values()) {
    ctx.sendEvent(fw, { type: "FAILURE", failure: { agent_id: { value: agent.id } } });
  }
  ctx.publishOperatorEvent({
    type: "AGENT_REMOVED",
    agent_removed: { agent_id: { value: agent.id } },
  });
  ctx.scheduleAllocation();
}

function recordStatus(task: TaskRecord, status: Plain) {
  task.state = status.state;
  task.statuses.push(status);
  task.latest = status;
}

/** A status update from an agent: recorded and forwarded to the scheduler as UPDATE. */
export function statusUpdate(ctx: MasterContext, req: StatusUpdateRequest): void {
  if (ctx.faults.dropStatusUpdates > 0) {
    ctx.faults.dropStatusUpdates--;
    ctx.logger.info("fault injection: dropping status update", { framework_id: req.framework_id });
    return;
  }
  const status = fromJsonObject("mesos.v1.TaskStatus", req.status);
  if (status.agent_id === undefined) status.agent_id = { value: req.agent_id };
  if (status.timestamp === undefined) status.timestamp = ctx.now();
  const fw = ctx.state.frameworks.get(req.framework_id);
  if (fw === undefined) {
    ctx.logger.warn("dropping status update for unknown framework", {
      framework_id: req.framework_id,
      task_id: status.task_id?.value,
    });
    return;
  }
  const task = fw.tasks.get(status.task_id.value);
  const uuid = status.uuid instanceof Uint8Array ? bytesToBase64(status.uuid) : undefined;
  if (task !== undefined) {
    const duplicate = uuid !== undefined &&
      task.statuses.some((s) => s.uuid instanceof Uint8Array && bytesToBase64(s.uuid) === uuid);
    if (!duplicate) {
      recordStatus(task, status);
      ctx.publishOperatorEvent(taskUpdatedEvent(task, status));
    }
    if (uuid !== undefined) task.unacked.set(uuid, status.state);
    else if (isTerminal(status.state)) ctx.state.removeTask(task);
  }
  if (isTerminal(status.state)) ctx.scheduleAllocation();
  ctx.forwardUpdate(fw, status);
}

/** An executor exited: its resources are freed and the scheduler gets FAILURE. */
export function executorExited(ctx: MasterContext, req: ExecutorExitedRequest): void {
  const agent = ctx.state.agents.get(req.agent_id);
  agent?.executors.delete(executorKey(req.framework_id, req.executor_id));
  const fw = ctx.state.frameworks.get(req.framework_id);
  if (fw !== undefined) {
    ctx.sendEvent(fw, {
      type: "FAILURE",
      failure: {
        agent_id: { value: req.agent_id },
        executor_id: { value: req.executor_id },
        status: req.status,
      },
    });
  }
  ctx.scheduleAllocation();
}

/** A message from an executor, relayed to the scheduler as MESSAGE. */
export function executorMessage(ctx: MasterContext, req: FrameworkMessageFromExecutor): void {
  const fw = ctx.state.frameworks.get(req.framework_id);
  if (fw === undefined) return;
  ctx.sendEvent(fw, {
    type: "MESSAGE",
    message: {
      agent_id: { value: req.agent_id },
      executor_id: { value: req.executor_id },
      data: base64ToBytes(req.data, "data"),
    },
  });
}

function agentAddedEvent(agent: AgentRecord): Plain {
  return {
    type: "AGENT_ADDED",
    agent_added: {
      agent: {
        agent_info: { ...agent.info, id: { value: agent.id } },
        active: true,
        version: "1.12.0",
        pid: `slave(1)@${agent.ip}:${agent.port}`,
        total_resources: agent.total,
      },
    },
  };
}
