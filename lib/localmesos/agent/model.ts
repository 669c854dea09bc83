/**
 * The local agent's in-memory bookkeeping: frameworks, their executors (one container
 * each) and tasks, plus constructors of the statuses the agent itself writes.
 *
 * @module
 */
import type { Plain } from "../../mesos/plain.ts";
import { isTerminal, type TaskState } from "../../mesos/types.ts";
import { randomUuidBytes } from "../../mesos/uuid.ts";
import type { ContainerProcess } from "./container.ts";

/** The executor's end of a SUBSCRIBE stream. */
export interface ExecutorConnection {
  /** Encodes and sends one `mesos.v1.executor.Event`; false once the stream is closed. */
  send(event: Plain): boolean;
  /** Ends the response. */
  close(): void;
}

/** A task the agent was asked to run. */
export interface TaskEntry {
  info: Plain;
  /** Latest known state (TASK_STAGING until the first update). */
  state: TaskState;
  /** Every status the task went through (for `/state` and re-registration). */
  statuses: Plain[];
  /** True once delivered to the executor (LAUNCH sent, or the command started). */
  launched: boolean;
}

/** Life of an executor, as Mesos names it (plus LAUNCHING while fetching). */
export type ExecutorState = "LAUNCHING" | "REGISTERING" | "RUNNING" | "TERMINATING" | "TERMINATED";

/** An executor (custom, or the built-in command executor of one command task). */
export interface ExecutorEntry {
  id: string;
  frameworkId: string;
  /** The ExecutorInfo (for a command task: synthesised by the agent). */
  info: Plain;
  kind: "custom" | "command";
  containerId: string;
  directory: string;
  state: ExecutorState;
  /** Tasks by id, in arrival order; those with `launched: false` are queued. */
  tasks: Map<string, TaskEntry>;
  /** Tasks whose terminal update was acknowledged. */
  completedTasks: TaskEntry[];
  connection?: ExecutorConnection;
  process?: ContainerProcess;
  registrationTimer?: number;
  shutdownTimer?: number;
  /** Settles once the executor is finished (process gone and bookkeeping done). */
  finished?: Promise<void>;
  /** Set when the agent was told to kill it (a command task's KILL or shutdown). */
  killed?: boolean;
  /** Why the agent is terminating the executor: sets the reason/message of the final statuses. */
  termination?: { reason: string; message: string };
  /** Persistent volumes linked into the sandbox (see volumes.ts). */
  volumes?: Plain[];
}

/** A framework with work on this agent. */
export interface FrameworkEntry {
  id: string;
  info: Plain;
  executors: Map<string, ExecutorEntry>;
  completedExecutors: ExecutorEntry[];
  /** Set by shutdown_framework: no more updates are sent for it. */
  terminating: boolean;
}

/** True when the framework declared `capability`. */
export function hasCapability(framework: FrameworkEntry, capability: string): boolean {
  return (framework.info.capabilities ?? []).some((c: Plain) => c.type === capability);
}

/** The container's resources: the executor's and those of its tasks not yet terminal. */
export function containerResources(entry: ExecutorEntry): Plain[] {
  const tasks = [...entry.tasks.values()].filter((t) => !isTerminal(t.state));
  return [...(entry.info.resources ?? []), ...tasks.flatMap((t) => t.info.resources ?? [])];
}

/** True when the task's latest state is terminal. */
export function taskIsTerminal(task: TaskEntry): boolean {
  return isTerminal(task.state);
}

/** Inputs of {@linkcode agentStatus}. */
export interface AgentStatusInput {
  taskId: string;
  state: TaskState;
  agentId: string;
  executorId?: string;
  reason?: string;
  message?: string;
  source?: "SOURCE_AGENT" | "SOURCE_EXECUTOR";
  /** Seconds since the epoch. */
  timestamp: number;
  containerStatus?: Plain;
}

/** A reliable (uuid-carrying) TaskStatus written by the agent or its command executor. */
export function agentStatus(input: AgentStatusInput): Plain {
  const status: Plain = {
    task_id: { value: input.taskId },
    state: input.state,
    source: input.source ?? "SOURCE_AGENT",
    agent_id: { value: input.agentId },
    timestamp: input.timestamp,
    uuid: randomUuidBytes(),
  };
  if (input.message !== undefined) status.message = input.message;
  if (input.reason !== undefined) status.reason = input.reason;
  if (input.executorId !== undefined) status.executor_id = { value: input.executorId };
  if (input.containerStatus !== undefined) status.container_status = input.containerStatus;
  return status;
}

/** The `container_status` a real agent adds to executor updates. */
export function containerStatus(containerId: string, ip: string, pid?: number): Plain {
  const out: Plain = {
    container_id: { value: containerId },
    network_infos: [{ ip_addresses: [{ protocol: "IPv4", ip_address: ip }] }],
  };
  if (pid !== undefined) out.executor_pid = pid;
  return out;
}

/** The parts of a status kept for `/state` and re-registration. */
export function statusSummary(status: Plain): Plain {
  const out: Plain = { state: status.state, timestamp: status.timestamp };
  if (status.container_status !== undefined) out.container_status = status.container_status;
  return out;
}

/** A `mesos.v1.Task` (plain) of `task`, for re-registration. */
export function taskMessage(task: TaskEntry, executor: ExecutorEntry, agentId: string): Plain {
  const info = task.info;
  const out: Plain = {
    name: info.name,
    task_id: info.task_id,
    framework_id: { value: executor.frameworkId },
    agent_id: { value: agentId },
    state: task.state,
    resources: info.resources ?? [],
    statuses: task.statuses.map((s) => ({ task_id: info.task_id, ...s })),
  };
  if (executor.kind === "custom") out.executor_id = { value: executor.id };
  for (const k of ["labels", "discovery", "container"]) if (info[k] !== undefined) out[k] = info[k];
  return out;
}
