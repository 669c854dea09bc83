/**
 * Agent registration and re-registration with a task report: how a newly elected master
 * learns running tasks and their frameworks, and how an agent this master removed is
 * re-admitted (tasks of non-PARTITION_AWARE frameworks are shut down, as in Mesos 1.x).
 *
 * @module
 */
import type { Plain } from "../../mesos/plain.ts";
import type { TaskState } from "../../mesos/types.ts";
import type { RegisterAgentRequest, RegisterAgentResponse } from "../internal_protocol.ts";
import { armPingTimer } from "./agent_ops.ts";
import type { MasterContext } from "./context.ts";
import { MESOS_VERSION } from "./master_info.ts";
import type { Resource } from "../../mesos/types.ts";
import { applyCheckpointedResources } from "../resources/operations.ts";
import { normalize, unallocate } from "../resources/resources.ts";
import { type AgentRecord, executorKey, hasCapability, type TaskRecord } from "./state.ts";
import { taskAddedEvent } from "./task_view.ts";
import { fromJsonObject } from "./wire.ts";

/** Registers a new agent or re-registers a known (or, after failover, unknown) agent id. */
export function registerAgent(
  ctx: MasterContext,
  req: RegisterAgentRequest,
): RegisterAgentResponse {
  const info = fromJsonObject("mesos.v1.AgentInfo", req.agent_info);
  const url = new URL(req.agent_url);
  const now = ctx.now();
  const total = agentTotal(ctx, info, req.checkpointed_resources ?? []);
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
      total,
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
      total,
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

/**
 * The agent's total: its AgentInfo resources with its checkpointed reservations and volumes
 * applied (the agent, which keeps them on disk, is authoritative).
 */
function agentTotal(ctx: MasterContext, info: Plain, checkpointedJson: Plain[]): Resource[] {
  const configured = normalize(info.resources ?? []);
  const checkpointed = checkpointedJson.map((r) =>
    fromJsonObject("mesos.v1.Resource", r) as Resource
  );
  try {
    return applyCheckpointedResources(configured, checkpointed);
  } catch (e) {
    ctx.logger.warn("ignoring the agent's checkpointed resources", {
      error: (e as Error).message,
    });
    return configured;
  }
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
      resources: unallocate(t.resources ?? []),
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

function agentAddedEvent(agent: AgentRecord): Plain {
  return {
    type: "AGENT_ADDED",
    agent_added: {
      agent: {
        agent_info: { ...agent.info, id: { value: agent.id } },
        active: true,
        version: MESOS_VERSION,
        pid: `slave(1)@${agent.ip}:${agent.port}`,
        total_resources: agent.total,
      },
    },
  };
}
