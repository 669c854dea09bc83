/**
 * The life of one executor container on the local agent: sandbox and launch, the
 * registration timeout, task delivery, the built-in command executor's start and kill, and
 * what happens when the process ends (final statuses, `executor_exited`).
 *
 * @module
 */
import type { Plain } from "../../mesos/plain.ts";
import { isTerminal } from "../../mesos/types.ts";
import { commandOutcome, killGraceMs } from "./command_task.ts";
import { type ContainerProcess, sandboxPath } from "./container.ts";
import { formatDuration } from "./executor_env.ts";
import { launchCommand } from "./launch.ts";
import type { Resource } from "../../mesos/types.ts";
import {
  containerResources,
  type ExecutorEntry,
  type FrameworkEntry,
  hasCapability,
  type TaskEntry,
} from "./model.ts";
import { updateVolumeLinks } from "./volumes.ts";
import { asAllocated } from "./resource_string.ts";
import { agentUpdate, commandUpdate, type SupervisorContext } from "./supervisor_context.ts";

/** Adds a new executor (state LAUNCHING, fresh container id and sandbox path) to `fw`. */
export function newExecutor(
  ctx: SupervisorContext,
  fw: FrameworkEntry,
  info: Plain,
  kind: "custom" | "command",
): ExecutorEntry {
  const id = String(info.executor_id.value);
  const containerId = crypto.randomUUID();
  const directory = sandboxPath(ctx.o.workDir, {
    agentId: ctx.o.agentId(),
    frameworkId: fw.id,
    executorId: id,
    containerId,
  });
  const entry: ExecutorEntry = {
    id,
    frameworkId: fw.id,
    info,
    kind,
    containerId,
    directory,
    state: "LAUNCHING",
    tasks: new Map(),
    completedTasks: [],
  };
  fw.executors.set(id, entry);
  return entry;
}

/** Fetches and starts the executor's command; watches the process until it ends. */
export function startExecutor(
  ctx: SupervisorContext,
  fw: FrameworkEntry,
  entry: ExecutorEntry,
  command: Plain,
): void {
  const checkpoint = ctx.o.checkpoint && fw.info.checkpoint === true;
  const taskId = entry.kind === "command" ? entry.id : undefined;
  const launched = launchCommand({
    command,
    directory: entry.directory,
    frameworkId: fw.id,
    executorId: entry.id,
    agentId: ctx.o.agentId(),
    agentIp: ctx.o.ip,
    agentPort: ctx.o.port(),
    checkpoint,
    shutdownGracePeriodMs: ctx.o.shutdownGracePeriodMs,
    agentPath: ctx.o.agentPath,
    cacheDir: `${ctx.o.workDir}/fetch_cache`,
    user: fw.info.user,
    logger: ctx.log,
    extraEnv: taskId !== undefined ? { MESOS_TASK_ID: taskId } : undefined,
    prepare: (directory) => {
      entry.volumes = updateVolumeLinks(
        ctx.o.workDir,
        directory,
        [],
        containerResources(entry) as Resource[],
        ctx.log,
      );
    },
  });
  const done = launched.then((process) => {
    entry.process = process;
    ctx.o.onSpawn?.(process.pid);
    if (ctx.stopping || entry.state === "TERMINATING") process.signalGroup("SIGKILL");
    else if (entry.kind === "command") commandStarted(ctx, fw, entry);
    else armRegistrationTimer(ctx, entry);
    if (entry.state === "LAUNCHING") {
      entry.state = entry.kind === "command" ? "RUNNING" : "REGISTERING";
    }
    return process.exited.then(async (exit) => {
      await destroyContainer(ctx, entry, process);
      finishExecutor(ctx, fw, entry, exit.raw, exit);
    });
  }, (e) => {
    ctx.log.warn("container launch failed", { executor_id: entry.id, error: e });
    entry.termination ??= {
      reason: "REASON_CONTAINER_LAUNCH_FAILED",
      message: `Failed to launch container: ${(e as Error).message}`,
    };
    finishExecutor(ctx, fw, entry, -1);
  });
  entry.finished = done;
}

/**
 * The container's leader has exited: SIGKILL every process left in it (e.g. an etcd the
 * executor started) and wait until they are gone, as a real agent destroys the container
 * before it reports the executor's tasks terminal.
 */
async function destroyContainer(
  ctx: SupervisorContext,
  entry: ExecutorEntry,
  process: ContainerProcess,
): Promise<void> {
  const ids = { executor_id: entry.id, container_id: entry.containerId };
  try {
    const { killed, complete } = await process.destroy();
    if (!complete) ctx.log.warn("container processes survived SIGKILL", { ...ids, killed });
    else if (killed.length > 0) {
      ctx.log.info("killed processes left in the container", { ...ids, killed });
    }
  } catch (e) {
    ctx.log.warn("container destroy failed", { ...ids, error: e });
  }
}

function armRegistrationTimer(ctx: SupervisorContext, entry: ExecutorEntry): void {
  const ms = ctx.o.registrationTimeoutMs;
  entry.registrationTimer = ctx.o.clock.setTimeout(() => {
    entry.registrationTimer = undefined;
    if (entry.state !== "REGISTERING") return;
    ctx.log.warn("executor did not subscribe in time", { executor_id: entry.id });
    entry.termination = {
      reason: "REASON_EXECUTOR_REGISTRATION_TIMEOUT",
      message: `Executor did not register within ${formatDuration(ms)}`,
    };
    entry.state = "TERMINATING";
    entry.process?.signalGroup("SIGKILL");
  }, ms);
}

/** Cancels the SUBSCRIBE deadline. */
export function clearRegistrationTimer(ctx: SupervisorContext, entry: ExecutorEntry): void {
  if (entry.registrationTimer !== undefined) ctx.o.clock.clearTimeout(entry.registrationTimer);
  entry.registrationTimer = undefined;
}

/** Sends LAUNCH for `task` to the executor, with resources as a real agent hands them out. */
export function deliverTask(entry: ExecutorEntry, task: TaskEntry): void {
  task.launched = true;
  const info: Plain = { ...task.info, resources: asAllocated(task.info.resources) };
  if (info.executor) info.executor = shapeExecutorInfo(info.executor);
  if (info.resources === undefined) delete info.resources;
  entry.connection?.send({ type: "LAUNCH", launch: { task: info } });
}

function commandStarted(ctx: SupervisorContext, fw: FrameworkEntry, entry: ExecutorEntry): void {
  for (const task of entry.tasks.values()) {
    task.launched = true;
    commandUpdate(ctx, fw, entry, task, "TASK_STARTING");
    commandUpdate(ctx, fw, entry, task, "TASK_RUNNING");
  }
}

/** Kills a command task: TASK_KILLING (if the framework knows it), SIGTERM, SIGKILL after the grace. */
export function killCommandTask(
  ctx: SupervisorContext,
  fw: FrameworkEntry,
  entry: ExecutorEntry,
  task: TaskEntry,
  policy?: Plain,
): void {
  if (isTerminal(task.state) || entry.killed) return;
  entry.killed = true;
  if (hasCapability(fw, "TASK_KILLING_STATE")) {
    commandUpdate(ctx, fw, entry, task, "TASK_KILLING");
  }
  entry.process?.signalGroup("SIGTERM");
  entry.shutdownTimer = ctx.o.clock.setTimeout(() => {
    entry.shutdownTimer = undefined;
    entry.process?.signalGroup("SIGKILL");
  }, killGraceMs(policy, task.info));
  if (!entry.process) entry.state = "TERMINATING";
}

/** The executor is gone: final statuses for its open tasks and `executor_exited` (custom only). */
export function finishExecutor(
  ctx: SupervisorContext,
  fw: FrameworkEntry,
  entry: ExecutorEntry,
  raw: number,
  exit?: { code: number; signal?: Deno.Signal; raw: number },
) {
  clearRegistrationTimer(ctx, entry);
  if (entry.shutdownTimer !== undefined) ctx.o.clock.clearTimeout(entry.shutdownTimer);
  entry.shutdownTimer = undefined;
  entry.state = "TERMINATED";
  entry.connection?.close();
  entry.connection = undefined;
  fw.executors.delete(entry.id);
  fw.completedExecutors.push(entry);
  if (ctx.stopping) return;
  ctx.log.info("executor exited", { executor_id: entry.id, status: raw });
  for (const task of entry.tasks.values()) {
    if (isTerminal(task.state)) continue;
    if (entry.kind === "command" && exit) {
      const outcome = commandOutcome(exit, entry.killed === true);
      commandUpdate(ctx, fw, entry, task, outcome.state, outcome.message);
      continue;
    }
    const t = entry.termination ??
      { reason: "REASON_EXECUTOR_TERMINATED", message: "Executor terminated" };
    agentUpdate(
      ctx,
      fw,
      entry,
      String(task.info.task_id.value),
      "TASK_FAILED",
      t.reason,
      t.message,
    );
  }
  if (entry.kind === "custom" && !fw.terminating) {
    ctx.o.notifier.executorExited(fw.id, entry.id, raw).catch((e) =>
      ctx.log.warn("executor_exited not delivered", { executor_id: entry.id, error: e })
    );
  }
  if (fw.terminating && fw.executors.size === 0) ctx.frameworks.delete(fw.id);
}

/** ExecutorInfo as the executor sees it: resources with `allocation_info` and no role. */
export function shapeExecutorInfo(info: Plain): Plain {
  const out = { ...info, resources: asAllocated(info.resources) };
  if (out.resources === undefined) delete out.resources;
  return out;
}
