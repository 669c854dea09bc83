/**
 * Scheduler calls about tasks and executors: KILL (unknown tasks are reconciled),
 * SHUTDOWN, ACKNOWLEDGE (relayed to the agent; acknowledged terminal tasks are forgotten),
 * RECONCILE and MESSAGE.
 *
 * @module
 */
import { bytesToBase64 } from "../../mesos/base64.ts";
import type { Plain } from "../../mesos/plain.ts";
import { isTerminal } from "../../mesos/types.ts";
import type { MasterContext } from "./context.ts";
import { reconcileAnswers, type ReconcileRequest } from "./reconcile.ts";
import type { FrameworkRecord } from "./state.ts";

/** RECONCILE: sends the answers of reconcile.ts as UPDATE events. */
export function reconcile(ctx: MasterContext, fw: FrameworkRecord, call: Plain): void {
  const requests: ReconcileRequest[] = call.tasks ?? [];
  const answers = reconcileAnswers(
    {
      framework: fw,
      isAgentRegistered: (id) => ctx.state.agents.has(id),
      unreachableSince: (id) => ctx.state.unreachable.get(id),
      recovering: ctx.recovering,
      now: ctx.now(),
    },
    requests,
  );
  ctx.logger.debug("reconciliation", {
    framework_id: fw.id,
    requested: requests.length,
    answers: answers.length,
  });
  for (const status of answers) ctx.sendEvent(fw, { type: "UPDATE", update: { status } });
}

/** KILL: forwarded to the task's agent; an unknown task is reconciled instead. */
export function kill(ctx: MasterContext, fw: FrameworkRecord, call: Plain): void {
  const taskId: string = call.task_id.value;
  const task = fw.tasks.get(taskId);
  if (task === undefined) {
    ctx.logger.info("kill of an unknown task, reconciling", {
      framework_id: fw.id,
      task_id: taskId,
    });
    const req: ReconcileRequest = { task_id: { value: taskId } };
    if (call.agent_id !== undefined) req.agent_id = call.agent_id;
    reconcile(ctx, fw, { tasks: [req] });
    return;
  }
  const agent = ctx.state.agents.get(task.agentId);
  if (agent === undefined || !agent.connected) {
    ctx.logger.warn("cannot kill task: agent not connected", {
      framework_id: fw.id,
      task_id: taskId,
      agent_id: task.agentId,
    });
    return;
  }
  const req: { framework_id: string; task_id: string; kill_policy?: Plain } = {
    framework_id: fw.id,
    task_id: taskId,
  };
  if (call.kill_policy !== undefined) req.kill_policy = jsonOfKillPolicy(call.kill_policy);
  ctx.agents.killTask(agent.url, req);
}

function jsonOfKillPolicy(policy: Plain): Plain {
  const ns = policy.grace_period?.nanoseconds;
  return ns === undefined ? {} : { grace_period: { nanoseconds: Number(ns) } };
}

/** SHUTDOWN: asks the agent to shut the executor down. */
export function shutdown(ctx: MasterContext, fw: FrameworkRecord, call: Plain): void {
  const agent = ctx.state.agents.get(call.agent_id.value);
  if (agent === undefined) return;
  ctx.agents.shutdownExecutor(agent.url, {
    framework_id: fw.id,
    executor_id: call.executor_id.value,
  });
}

/**
 * ACKNOWLEDGE: relays the ack to the agent; once the update that made a task terminal is
 * acknowledged, the master forgets the task. Unknown uuids are ignored by the agent.
 */
export function acknowledge(ctx: MasterContext, fw: FrameworkRecord, call: Plain): void {
  const agent = ctx.state.agents.get(call.agent_id.value);
  const taskId: string = call.task_id.value;
  const uuid = bytesToBase64(call.uuid);
  const task = fw.tasks.get(taskId);
  const ackedState = task?.unacked.get(uuid);
  if (task !== undefined && ackedState !== undefined) {
    task.unacked.delete(uuid);
    if (isTerminal(ackedState) && isTerminal(task.state)) ctx.state.removeTask(task);
  }
  if (agent === undefined) return;
  ctx.agents.acknowledge(agent.url, { framework_id: fw.id, task_id: taskId, uuid });
}

/** MESSAGE: relayed (unreliably) to the executor through its agent. */
export function message(ctx: MasterContext, fw: FrameworkRecord, call: Plain): void {
  const agent = ctx.state.agents.get(call.agent_id.value);
  if (agent === undefined) return;
  ctx.agents.frameworkMessage(agent.url, {
    framework_id: fw.id,
    executor_id: call.executor_id.value,
    data: bytesToBase64(call.data),
  });
}
