/**
 * State shared by the agent's executor supervisor and the executor lifecycle functions,
 * and the one place where statuses are recorded against tasks and handed to the status
 * update manager.
 *
 * @module
 */
import type { Clock } from "../../clock.ts";
import type { Logger } from "../../log.ts";
import type { Plain } from "../../mesos/plain.ts";
import { isTerminal, type Resource, type TaskState } from "../../mesos/types.ts";
import {
  agentStatus,
  containerResources,
  containerStatus,
  type ExecutorEntry,
  type FrameworkEntry,
  statusSummary,
  type TaskEntry,
} from "./model.ts";
import type { StatusUpdateManager } from "./status_updates.ts";
import { updateVolumeLinks } from "./volumes.ts";

/** Where the supervisor reports to the master (see internal_protocol.ts). */
export interface MasterNotifier {
  statusUpdate(frameworkId: string, status: Plain): Promise<void>;
  executorExited(frameworkId: string, executorId: string, status: number): Promise<void>;
  executorMessage(frameworkId: string, executorId: string, data: Uint8Array): Promise<void>;
}

/** Options of {@linkcode ExecutorSupervisor}. */
export interface SupervisorOptions {
  workDir: string;
  ip: string;
  /** The agent's HTTP port (known once listening). */
  port: () => number;
  /** The agent id (known once registered). */
  agentId: () => string;
  /** AgentInfo (with id) as sent in SUBSCRIBED. */
  agentInfo: () => Plain;
  notifier: MasterNotifier;
  clock: Clock;
  logger: Logger;
  registrationTimeoutMs: number;
  shutdownGracePeriodMs: number;
  statusRetryMs: number;
  statusRetryMaxMs: number;
  /** False: the agent never checkpoints (MESOS_CHECKPOINT=0 for everyone). */
  checkpoint: boolean;
  agentPath?: string;
  /** Told the pid of every process started. */
  onSpawn?: (pid: number) => void;
  /** The agent's checkpointed resources (dynamic reservations and persistent volumes). */
  checkpointedResources: () => Resource[];
}

/** What the supervisor and the lifecycle functions share. */
export interface SupervisorContext {
  readonly o: SupervisorOptions;
  readonly log: Logger;
  readonly frameworks: Map<string, FrameworkEntry>;
  readonly updates: StatusUpdateManager;
  /** Set by stop(): nothing is reported any more. */
  stopping: boolean;
}

/** Records a status of the built-in command executor (SOURCE_EXECUTOR, executor id = task id). */
export function commandUpdate(
  ctx: SupervisorContext,
  fw: FrameworkEntry,
  entry: ExecutorEntry,
  task: TaskEntry,
  state: TaskState,
  message?: string,
) {
  recordStatus(
    ctx,
    fw,
    entry,
    agentStatus({
      taskId: String(task.info.task_id.value),
      state,
      agentId: ctx.o.agentId(),
      executorId: entry.id,
      message,
      source: "SOURCE_EXECUTOR",
      timestamp: ctx.o.clock.now() / 1000,
      containerStatus: containerStatus(entry.containerId, ctx.o.ip, entry.process?.pid),
    }),
  );
}

/** Records a status written by the agent itself (SOURCE_AGENT). */
export function agentUpdate(
  ctx: SupervisorContext,
  fw: FrameworkEntry,
  entry: ExecutorEntry | undefined,
  taskId: string,
  state: TaskState,
  reason: string,
  message: string,
) {
  const status = agentStatus({
    taskId,
    state,
    reason,
    message,
    executorId: entry?.id,
    agentId: ctx.o.agentId(),
    timestamp: ctx.o.clock.now() / 1000,
  });
  recordStatus(ctx, fw, entry, status);
}

/** Hands a reliable status to the update manager and records it on its task (not duplicates). */
export function recordStatus(
  ctx: SupervisorContext,
  fw: FrameworkEntry,
  entry: ExecutorEntry | undefined,
  status: Plain,
): void {
  if (ctx.stopping || fw.terminating) return;
  if (ctx.updates.update(fw.id, status) === "duplicate") return;
  const task = entry?.tasks.get(String(status.task_id.value));
  if (task) {
    task.state = status.state;
    task.statuses.push(statusSummary(status));
    if (isTerminal(status.state) && entry!.kind === "custom") refreshVolumes(ctx, entry!);
  }
}

/**
 * Links the volumes the container's resources hold and unlinks those it no longer holds
 * (a task that used one ended), as the isolator's `update` does; failures are logged.
 */
export function refreshVolumes(ctx: SupervisorContext, entry: ExecutorEntry): void {
  if (entry.state === "TERMINATED" || entry.volumes === undefined) return;
  try {
    entry.volumes = updateVolumeLinks(
      ctx.o.workDir,
      entry.directory,
      (entry.volumes ?? []) as Resource[],
      containerResources(entry) as Resource[],
      ctx.log,
    );
  } catch (e) {
    ctx.log.warn("cannot update the container's volumes", {
      executor_id: entry.id,
      error: (e as Error).message,
    });
  }
}
