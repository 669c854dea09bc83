/**
 * What registered agents tell the master (internal protocol; registration is in
 * agent_registration.ts): pings and their timeouts, status updates (forwarded as UPDATE),
 * executor exits (FAILURE) and executor messages (MESSAGE); and agent removal (TASK_LOST /
 * TASK_UNREACHABLE, RESCIND, FAILURE).
 *
 * @module
 */
import { base64ToBytes, bytesToBase64 } from "../../mesos/base64.ts";
import type { Plain } from "../../mesos/plain.ts";
import { isTerminal } from "../../mesos/types.ts";
import type {
  ExecutorExitedRequest,
  FrameworkMessageFromExecutor,
  StatusUpdateRequest,
} from "../internal_protocol.ts";
import type { MasterContext } from "./context.ts";
import { rescindAllOffers } from "./offer_ops.ts";
import { type AgentRecord, executorKey, hasCapability, type TaskRecord } from "./state.ts";
import { masterStatus } from "./statuses.ts";
import { taskUpdatedEvent } from "./task_view.ts";
import { fromJsonObject } from "./wire.ts";

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
    // A removed framework never acknowledges: the agent must drop it instead of retrying.
    const agent = ctx.state.agents.get(req.agent_id);
    if (agent !== undefined && ctx.state.removedFrameworks.has(req.framework_id)) {
      ctx.agents.shutdownFramework(agent.url, { framework_id: req.framework_id });
    }
    return;
  }
  const task = fw.tasks.get(status.task_id.value);
  const uuid = status.uuid instanceof Uint8Array ? bytesToBase64(status.uuid) : undefined;
  if (task !== undefined) {
    if (status.executor_id === undefined && task.executorId !== undefined) {
      status.executor_id = { value: task.executorId };
    }
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
