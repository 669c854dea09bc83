/**
 * Validation of the TaskInfos of an ACCEPT's LAUNCH operation, with Mesos' messages
 * (a failure becomes TASK_ERROR with REASON_TASK_INVALID). Pure.
 *
 * @module
 */
import type { Plain } from "../../mesos/plain.ts";
import { invalidIdReason } from "./ids.ts";

/** What validation needs to know besides the task. */
export interface LaunchContext {
  frameworkId: string;
  /** The agent of the accepted offers. */
  agentId: string;
  /** True when the framework already has a live task with this id. */
  taskExists(taskId: string): boolean;
}

/** Returns why `task` cannot be launched, or undefined when it is valid. */
export function taskInfoError(task: Plain, ctx: LaunchContext): string | undefined {
  const taskId: string = task.task_id?.value ?? "";
  const idReason = invalidIdReason(taskId);
  if (idReason !== undefined) return `Task ID is invalid: ${idReason}`;
  if (ctx.taskExists(taskId)) return `Task has duplicate ID: ${taskId}`;
  const agentId: string | undefined = task.agent_id?.value;
  if (agentId !== ctx.agentId) {
    return `Task uses invalid agent: ${agentId ?? ""} (offers are for ${ctx.agentId})`;
  }
  const hasExecutor = task.executor !== undefined;
  const hasCommand = task.command !== undefined;
  if (hasExecutor === hasCommand) {
    return "Task should have at least one (but not both) of CommandInfo or ExecutorInfo present";
  }
  if (hasExecutor) {
    const executorId: string = task.executor.executor_id?.value ?? "";
    const execReason = invalidIdReason(executorId);
    if (execReason !== undefined) return `Executor ID is invalid: ${execReason}`;
    const fwId: string | undefined = task.executor.framework_id?.value;
    if (fwId !== undefined && fwId !== ctx.frameworkId) {
      return `ExecutorInfo has an invalid FrameworkID (Actual: ${fwId} vs Expected: ${ctx.frameworkId})`;
    }
  }
  return undefined;
}
