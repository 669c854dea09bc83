/**
 * Framework lifecycle: SUBSCRIBE (new, re-subscribe, failover of an open stream, refusal
 * of removed ids), disconnect with the `failover_timeout` timer, TEARDOWN and removal.
 *
 * @module
 */
import type { Encoding } from "../../mesos/encoding.ts";
import type { Plain } from "../../mesos/plain.ts";
import { isTerminal } from "../../mesos/types.ts";
import type { MasterContext } from "./context.ts";
import { EventStream } from "./event_stream.ts";
import { removeOffersOfFramework } from "./offer_ops.ts";
import { frameworkRolesError } from "../resources/roles.ts";
import type { FrameworkRecord } from "./state.ts";

const SCHEDULER_EVENT = "mesos.v1.scheduler.Event";

/**
 * Problems with a FrameworkInfo that Mesos reports as an ERROR event (its
 * `validation::framework::validate` of the role or roles).
 */
export function frameworkInfoError(info: Plain): string | undefined {
  return frameworkRolesError(info);
}

/**
 * Handles an already validated SUBSCRIBE call and returns the `200` streaming response.
 * Refusals (removed framework, invalid FrameworkInfo) are an ERROR event then the end.
 */
export function subscribe(
  ctx: MasterContext,
  call: Plain,
  encoding: Encoding,
  streamId: string,
): Response {
  const info: Plain = call.subscribe.framework_info;
  const requestedId: string | undefined = call.framework_id?.value ?? info.id?.value;
  const stream = new EventStream({
    typeName: SCHEDULER_EVENT,
    encoding,
    clock: ctx.clock,
    heartbeatSeconds: ctx.options.heartbeatSeconds,
    headers: { "Mesos-Stream-Id": streamId },
  });
  const refuse = (message: string) => {
    ctx.logger.info("refusing framework subscription", { framework_id: requestedId, message });
    stream.send({ type: "ERROR", error: { message } });
    stream.close();
    return stream.response();
  };
  if (requestedId !== undefined && ctx.state.removedFrameworks.has(requestedId)) {
    return refuse("Framework has been removed");
  }
  const invalid = frameworkInfoError(info);
  if (invalid !== undefined) return refuse(invalid);

  const now = ctx.now();
  let fw = requestedId === undefined ? undefined : ctx.state.frameworks.get(requestedId);
  if (fw === undefined) {
    const id = requestedId ?? ctx.ids.framework();
    fw = ctx.state.addFramework(id, info, now);
    ctx.logger.info("framework subscribed", { framework_id: id, name: info.name });
  } else {
    failOverStream(ctx, fw);
    ctx.clearTimer(fw.failoverTimer);
    fw.failoverTimer = undefined;
    // user, checkpoint and principal cannot change on re-subscription.
    fw.info = {
      ...info,
      id: { value: fw.id },
      user: fw.info.user,
      checkpoint: fw.info.checkpoint,
      principal: fw.info.principal ?? info.principal,
    };
    if (fw.info.principal === undefined) delete fw.info.principal;
    fw.reregisteredTime = now;
    fw.recovered = false;
    // All old offers are gone, without RESCIND.
    removeOffersOfFramework(ctx, fw);
    ctx.logger.info("framework re-subscribed", { framework_id: fw.id });
  }
  fw.connected = true;
  fw.active = true;
  fw.suppressed = (call.subscribe.suppressed_roles ?? []).length > 0;
  fw.stream = stream;
  fw.streamId = streamId;
  const record = fw;
  stream.closed.then((byClient) => {
    if (byClient && record.stream === stream) disconnect(ctx, record);
  });

  stream.send({
    type: "SUBSCRIBED",
    subscribed: {
      framework_id: { value: fw.id },
      heartbeat_interval_seconds: ctx.options.heartbeatSeconds,
      master_info: ctx.masterInfo,
    },
  });
  stream.startHeartbeats();
  const pending = fw.pendingUpdates.splice(0);
  for (const status of pending) ctx.forwardUpdate(fw, status);
  ctx.scheduleAllocation();
  return stream.response();
}

/** Ends the framework's current stream with ERROR "Framework failed over". */
function failOverStream(ctx: MasterContext, fw: FrameworkRecord) {
  const old = fw.stream;
  fw.stream = undefined;
  if (old === undefined || !old.isOpen) return;
  ctx.logger.info("framework failed over", { framework_id: fw.id });
  old.send({ type: "ERROR", error: { message: "Framework failed over" } });
  old.close();
}

/**
 * The framework's stream went away: deactivate it, drop its offers and start the
 * `failover_timeout` timer after which it is removed and its tasks killed.
 */
export function disconnect(ctx: MasterContext, fw: FrameworkRecord): void {
  if (!ctx.alive || ctx.state.frameworks.get(fw.id) !== fw) return;
  fw.stream?.close();
  fw.stream = undefined;
  fw.streamId = undefined;
  fw.connected = false;
  fw.active = false;
  fw.unregisteredTime = ctx.now();
  removeOffersOfFramework(ctx, fw);
  const timeoutSeconds = Number(fw.info.failover_timeout ?? 0);
  const reregisteredAt = fw.reregisteredTime;
  ctx.logger.info("framework disconnected", {
    framework_id: fw.id,
    failover_timeout: timeoutSeconds,
  });
  ctx.clearTimer(fw.failoverTimer);
  fw.failoverTimer = ctx.setTimer(() => {
    fw.failoverTimer = undefined;
    if (fw.connected || fw.reregisteredTime !== reregisteredAt) return;
    ctx.logger.info("framework failover timeout, removing framework", { framework_id: fw.id });
    removeFramework(ctx, fw);
  }, Math.max(0, timeoutSeconds * 1000));
  ctx.scheduleAllocation();
}

/**
 * Removes a framework (TEARDOWN or failover timeout): ends its stream without an event,
 * asks the agents to shut it down, forgets its tasks (as TASK_KILLED) and offers.
 */
export function removeFramework(ctx: MasterContext, fw: FrameworkRecord): void {
  if (ctx.state.frameworks.get(fw.id) !== fw) return;
  ctx.clearTimer(fw.failoverTimer);
  fw.failoverTimer = undefined;
  const stream = fw.stream;
  fw.stream = undefined;
  fw.connected = false;
  fw.active = false;
  stream?.close();
  removeOffersOfFramework(ctx, fw);
  ctx.filters.clear(fw.id);

  const agentIds = new Set<string>();
  for (const task of [...fw.tasks.values()]) {
    agentIds.add(task.agentId);
    if (!isTerminal(task.state)) task.state = "TASK_KILLED";
    ctx.state.removeTask(task);
  }
  for (const agent of ctx.state.agents.values()) {
    for (const e of agent.executors.values()) if (e.frameworkId === fw.id) agentIds.add(agent.id);
  }
  for (const agentId of agentIds) {
    const agent = ctx.state.agents.get(agentId);
    if (agent === undefined) continue;
    for (const [key, e] of agent.executors) {
      if (e.frameworkId === fw.id) agent.executors.delete(key);
    }
    ctx.agents.shutdownFramework(agent.url, { framework_id: fw.id });
  }
  fw.unregisteredTime = ctx.now();
  fw.pendingUpdates = [];
  ctx.state.frameworks.delete(fw.id);
  ctx.state.removedFrameworks.add(fw.id);
  ctx.state.completedFrameworks.push(fw);
  if (ctx.state.completedFrameworks.length > 50) ctx.state.completedFrameworks.shift();
  ctx.logger.info("framework removed", { framework_id: fw.id });
  ctx.scheduleAllocation();
}
