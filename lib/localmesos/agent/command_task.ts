/**
 * The agent's built-in command executor: what a real Mesos agent's command executor says
 * about a task that has only a `command` (ExecutorInfo it reports, final state and message).
 *
 * @module
 */
import type { Plain } from "../../mesos/plain.ts";
import type { TaskState } from "../../mesos/types.ts";
import { type ExitStatus, signalDescription } from "./container.ts";

/** Resources Mesos adds for the command executor itself. */
export const COMMAND_EXECUTOR_RESOURCES: Plain[] = [
  { name: "cpus", type: "SCALAR", scalar: { value: 0.1 } },
  { name: "mem", type: "SCALAR", scalar: { value: 32 } },
];

/** Default kill grace period of a command task without a KillPolicy (ms). */
export const COMMAND_KILL_GRACE_MS = 3_000;

/** The ExecutorInfo the agent makes up for a command task (executor id = task id). */
export function commandExecutorInfo(task: Plain, frameworkId: string): Plain {
  const taskId = String(task.task_id.value);
  const command = task.command ?? {};
  const shown = (command.shell ?? true)
    ? `sh -c '${command.value ?? ""}'`
    : [command.value ?? "", ...(command.arguments ?? []).slice(1)].join(" ");
  return {
    executor_id: { value: taskId },
    framework_id: { value: frameworkId },
    command,
    resources: COMMAND_EXECUTOR_RESOURCES,
    name: `Command Executor (Task: ${taskId}) (Command: ${shown})`,
    source: taskId,
    ...(task.labels === undefined ? {} : { labels: task.labels }),
  };
}

/** The final state and message the command executor reports when the command ends. */
export function commandOutcome(
  exit: ExitStatus,
  killed: boolean,
): { state: TaskState; message: string } {
  const message = exit.signal !== undefined
    ? `Command terminated with signal ${signalDescription(exit.signal)}`
    : `Command exited with status ${exit.code}`;
  if (killed) return { state: "TASK_KILLED", message };
  if (exit.signal === undefined && exit.code === 0) return { state: "TASK_FINISHED", message };
  return { state: "TASK_FAILED", message };
}

/** Grace period (ms) before SIGKILL: the KILL's policy, else the task's, else 3 s. */
export function killGraceMs(killPolicy: Plain | undefined, task: Plain): number {
  const ns = killPolicy?.grace_period?.nanoseconds ?? task.kill_policy?.grace_period?.nanoseconds;
  return ns === undefined ? COMMAND_KILL_GRACE_MS : Number(ns) / 1e6;
}
