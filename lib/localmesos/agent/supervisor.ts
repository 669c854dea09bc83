/**
 * The heart of the local agent: runs the tasks the master hands over (custom executors as
 * real processes that talk the v1 executor API, command tasks through a built-in command
 * executor), relays kills, messages and shutdowns, and turns every exit into the status
 * updates and `executor_exited` notice a real Mesos agent would send.
 *
 * @module
 */
import type { Plain } from "../../mesos/plain.ts";
import { isTerminal, type Resource } from "../../mesos/types.ts";
import { commandExecutorInfo } from "./command_task.ts";
import {
  clearRegistrationTimer,
  deliverTask,
  killCommandTask,
  newExecutor,
  shapeExecutorInfo,
  startExecutor,
} from "./executor_lifecycle.ts";
import {
  containerStatus,
  type ExecutorConnection,
  type ExecutorEntry,
  type FrameworkEntry,
  hasCapability,
  type TaskEntry,
  taskMessage,
} from "./model.ts";
import { StatusUpdateManager } from "./status_updates.ts";
import { checkpointedKnown, RESOURCES_UNKNOWN_MESSAGE } from "./volumes.ts";
import {
  agentUpdate,
  recordStatus,
  refreshVolumes,
  type SupervisorContext,
  type SupervisorOptions,
} from "./supervisor_context.ts";

export type { MasterNotifier, SupervisorOptions } from "./supervisor_context.ts";

/** Runs and watches executors and tasks for every framework on the agent. */
export class ExecutorSupervisor {
  readonly #ctx: SupervisorContext;

  constructor(options: SupervisorOptions) {
    this.#ctx = {
      o: options,
      log: options.logger,
      frameworks: new Map(),
      updates: new StatusUpdateManager({
        forward: (fw, status) => options.notifier.statusUpdate(fw, status),
        retryMs: options.statusRetryMs,
        maxRetryMs: options.statusRetryMaxMs,
        clock: options.clock,
        logger: options.logger,
      }),
      stopping: false,
    };
  }

  /** The status update manager (paused while the master is unreachable). */
  get updates(): StatusUpdateManager {
    return this.#ctx.updates;
  }

  /** Every framework with work here. */
  frameworks(): FrameworkEntry[] {
    return [...this.#ctx.frameworks.values()];
  }

  /** Finds an executor for the executor API, or the 400 text Mesos answers. */
  lookup(frameworkId: string, executorId: string): ExecutorEntry | string {
    const fw = this.#ctx.frameworks.get(frameworkId);
    if (!fw) return "Framework cannot be found";
    return fw.executors.get(executorId) ?? "Executor cannot be found";
  }

  // ------------------------------------------------------------------ master -> agent

  /** Starts `task` (TaskInfo) of the framework described by `frameworkInfo` (with id). */
  runTask(frameworkInfo: Plain, task: Plain): void {
    if (this.#ctx.stopping) return;
    const fwId = String(frameworkInfo.id?.value);
    let fw = this.#ctx.frameworks.get(fwId);
    if (!fw) {
      fw = {
        id: fwId,
        info: frameworkInfo,
        executors: new Map(),
        completedExecutors: [],
        terminating: false,
      };
      this.#ctx.frameworks.set(fwId, fw);
    }
    fw.info = frameworkInfo;
    fw.terminating = false;
    const taskEntry: TaskEntry = {
      info: task,
      state: "TASK_STAGING",
      statuses: [],
      launched: false,
    };
    const taskId = String(task.task_id.value);
    const execId = task.executor === undefined
      ? undefined
      : String(task.executor.executor_id.value);
    const launchesExecutor = execId === undefined || !fw.executors.has(execId);
    const needed: Resource[] = [
      ...(task.resources ?? []),
      ...(launchesExecutor ? task.executor?.resources ?? [] : []),
    ];
    if (!checkpointedKnown(needed, this.#ctx.o.checkpointedResources())) {
      this.#ctx.log.warn("task uses unknown checkpointed resources", { task_id: taskId });
      const state = hasCapability(fw, "PARTITION_AWARE") ? "TASK_DROPPED" : "TASK_LOST";
      agentUpdate(
        this.#ctx,
        fw,
        undefined,
        taskId,
        state,
        "REASON_RESOURCES_UNKNOWN",
        RESOURCES_UNKNOWN_MESSAGE,
      );
      return;
    }
    if (execId === undefined) {
      const entry = newExecutor(this.#ctx, fw, commandExecutorInfo(task, fwId), "command");
      entry.tasks.set(taskId, taskEntry);
      startExecutor(this.#ctx, fw, entry, task.command ?? {});
      return;
    }
    let entry = fw.executors.get(execId);
    if (entry && (entry.state === "TERMINATING" || entry.state === "TERMINATED")) {
      const state = hasCapability(fw, "PARTITION_AWARE") ? "TASK_DROPPED" : "TASK_LOST";
      agentUpdate(
        this.#ctx,
        fw,
        entry,
        taskId,
        state,
        "REASON_EXECUTOR_TERMINATED",
        "Executor terminating",
      );
      return;
    }
    if (!entry) {
      const info = { ...task.executor, framework_id: { value: fwId } };
      entry = newExecutor(this.#ctx, fw, info, "custom");
      entry.tasks.set(taskId, taskEntry);
      startExecutor(this.#ctx, fw, entry, info.command ?? {});
      return;
    }
    entry.tasks.set(taskId, taskEntry);
    refreshVolumes(this.#ctx, entry);
    if (entry.state === "RUNNING") deliverTask(entry, taskEntry);
  }

  /** Kills a task: KILL to its executor, or the command's process group for a command task. */
  killTask(frameworkId: string, taskId: string, killPolicy?: Plain): void {
    const fw = this.#ctx.frameworks.get(frameworkId);
    if (!fw) return this.#ctx.log.warn("kill for unknown framework", { framework_id: frameworkId });
    const entry = [...fw.executors.values()].find((e) => e.tasks.has(taskId));
    const task = entry?.tasks.get(taskId);
    if (!entry || !task) {
      const state = hasCapability(fw, "PARTITION_AWARE") ? "TASK_DROPPED" : "TASK_LOST";
      agentUpdate(
        this.#ctx,
        fw,
        undefined,
        taskId,
        state,
        "REASON_EXECUTOR_TERMINATED",
        "Cannot find executor",
      );
      return;
    }
    if (entry.kind === "command") return killCommandTask(this.#ctx, fw, entry, task, killPolicy);
    if (!task.launched) {
      entry.tasks.delete(taskId);
      agentUpdate(
        this.#ctx,
        fw,
        entry,
        taskId,
        "TASK_KILLED",
        "REASON_TASK_KILLED_DURING_LAUNCH",
        "Killed before delivery to the executor",
      );
      if (entry.tasks.size === 0) this.shutdownExecutor(frameworkId, entry.id);
      return;
    }
    const kill: Plain = { task_id: { value: taskId } };
    if (killPolicy !== undefined) kill.kill_policy = killPolicy;
    entry.connection?.send({ type: "KILL", kill });
  }

  /** SHUTDOWN to a subscribed executor, then its process group is killed after the grace period. */
  shutdownExecutor(frameworkId: string, executorId: string): void {
    const entry = this.#ctx.frameworks.get(frameworkId)?.executors.get(executorId);
    if (!entry || entry.state === "TERMINATING" || entry.state === "TERMINATED") return;
    const wasRunning = entry.state === "RUNNING";
    entry.state = "TERMINATING";
    clearRegistrationTimer(this.#ctx, entry);
    if (entry.kind === "command") entry.killed = true;
    if (entry.kind === "command" || !wasRunning) {
      entry.process?.signalGroup(entry.kind === "command" ? "SIGTERM" : "SIGKILL");
    } else {
      entry.connection?.send({ type: "SHUTDOWN" });
    }
    const graceNs = entry.info.shutdown_grace_period?.nanoseconds;
    const grace = graceNs !== undefined ? Number(graceNs) / 1e6 : this.#ctx.o.shutdownGracePeriodMs;
    entry.shutdownTimer = this.#ctx.o.clock.setTimeout(() => {
      entry.shutdownTimer = undefined;
      entry.process?.signalGroup("SIGKILL");
    }, grace);
  }

  /** Shuts down every executor of a framework; no more updates are sent for it. */
  shutdownFramework(frameworkId: string): void {
    const fw = this.#ctx.frameworks.get(frameworkId);
    if (!fw) return;
    fw.terminating = true;
    this.#ctx.updates.forgetFramework(frameworkId);
    for (const id of [...fw.executors.keys()]) this.shutdownExecutor(frameworkId, id);
    if (fw.executors.size === 0) this.#ctx.frameworks.delete(frameworkId);
  }

  /** Relays a scheduler MESSAGE to a subscribed executor (dropped otherwise, like Mesos). */
  frameworkMessage(frameworkId: string, executorId: string, data: Uint8Array): void {
    const entry = this.#ctx.frameworks.get(frameworkId)?.executors.get(executorId);
    if (!entry?.connection) {
      return this.#ctx.log.warn("dropping framework message", { executor_id: executorId });
    }
    entry.connection.send({ type: "MESSAGE", message: { data } });
  }

  /** The scheduler acknowledged an update (uuid in base64). */
  acknowledge(frameworkId: string, taskId: string, uuid: string): void {
    const acked = this.#ctx.updates.acknowledge(frameworkId, taskId, uuid);
    if (!acked || !isTerminal(acked.state)) return;
    if (this.#ctx.updates.pending(frameworkId, taskId).length > 0) return;
    this.#ctx.updates.forgetTask(frameworkId, taskId);
    for (const entry of this.#ctx.frameworks.get(frameworkId)?.executors.values() ?? []) {
      const task = entry.tasks.get(taskId);
      if (task && isTerminal(task.state)) {
        entry.tasks.delete(taskId);
        entry.completedTasks.push(task);
      }
    }
  }

  // ------------------------------------------------------------------ executor -> agent

  /** Executor SUBSCRIBE: SUBSCRIBED, then LAUNCH for every queued task. */
  subscribe(entry: ExecutorEntry, subscribe: Plain, connection: ExecutorConnection): void {
    const fw = this.#ctx.frameworks.get(entry.frameworkId)!;
    if (fw.terminating || entry.state === "TERMINATING" || entry.state === "TERMINATED") {
      connection.send({ type: "SHUTDOWN" });
      connection.close();
      return;
    }
    const old = entry.connection;
    entry.connection = connection;
    if (old && old !== connection) old.close();
    clearRegistrationTimer(this.#ctx, entry);
    const resubscribe = entry.state === "RUNNING";
    entry.state = "RUNNING";
    connection.send({
      type: "SUBSCRIBED",
      subscribed: {
        executor_info: shapeExecutorInfo(entry.info),
        framework_info: fw.info,
        agent_info: this.#ctx.o.agentInfo(),
        container_id: { value: entry.containerId },
      },
    });
    if (resubscribe) {
      for (const u of subscribe.unacknowledged_updates ?? []) this.update(entry, u.status);
    }
    for (const task of entry.tasks.values()) if (!task.launched) deliverTask(entry, task);
  }

  /** Executor UPDATE (already validated): recorded, forwarded, ACKNOWLEDGED to the executor. */
  update(entry: ExecutorEntry, executorStatus: Plain): void {
    const status: Plain = { ...executorStatus, agent_id: { value: this.#ctx.o.agentId() } };
    status.timestamp ??= this.#ctx.o.clock.now() / 1000;
    status.container_status ??= containerStatus(
      entry.containerId,
      this.#ctx.o.ip,
      entry.process?.pid,
    );
    const fw = this.#ctx.frameworks.get(entry.frameworkId)!;
    recordStatus(this.#ctx, fw, entry, status);
    const ack = { task_id: status.task_id, uuid: status.uuid };
    this.#ctx.o.clock.setTimeout(
      () => entry.connection?.send({ type: "ACKNOWLEDGED", acknowledged: ack }),
      0,
    );
  }

  /** Executor MESSAGE: relayed to the master (unreliable). */
  message(entry: ExecutorEntry, data: Uint8Array): void {
    this.#ctx.o.notifier.executorMessage(entry.frameworkId, entry.id, data).catch((e) =>
      this.#ctx.log.warn("executor message not delivered", { executor_id: entry.id, error: e })
    );
  }

  /** The executor's stream ended (it disconnected or was replaced). */
  disconnected(entry: ExecutorEntry, connection: ExecutorConnection): void {
    if (entry.connection === connection) entry.connection = undefined;
  }

  // ------------------------------------------------------------------ fault hooks, life

  /** SIGKILLs the process group of every executor with this id; false when none runs. */
  killExecutor(executorId: string): boolean {
    let found = false;
    for (const fw of this.#ctx.frameworks.values()) {
      const entry = fw.executors.get(executorId);
      if (entry?.process) found = entry.process.signalGroup("SIGKILL") || found;
    }
    return found;
  }

  /** Non-terminal tasks and their frameworks, for (re-)registration with a master. */
  registrationSnapshot(): { tasks: Plain[]; frameworks: Plain[] } {
    const tasks: Plain[] = [];
    const frameworks: Plain[] = [];
    for (const fw of this.#ctx.frameworks.values()) {
      if (fw.terminating) continue;
      const before = tasks.length;
      for (const entry of fw.executors.values()) {
        for (const task of entry.tasks.values()) {
          if (!isTerminal(task.state)) tasks.push(taskMessage(task, entry, this.#ctx.o.agentId()));
        }
      }
      if (tasks.length > before) frameworks.push(fw.info);
    }
    return { tasks, frameworks };
  }

  /** Closes every executor stream (the agent's HTTP server is going away). */
  disconnectAll(): void {
    for (const fw of this.#ctx.frameworks.values()) {
      for (const entry of fw.executors.values()) {
        entry.connection?.close();
        entry.connection = undefined;
      }
    }
  }

  /** Kills every process group (optionally only of frameworks matching `which`) and waits. */
  async killAll(which: (fw: FrameworkEntry) => boolean = () => true): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const fw of this.#ctx.frameworks.values()) {
      if (!which(fw)) continue;
      for (const entry of fw.executors.values()) {
        entry.state = "TERMINATING";
        entry.process?.signalGroup("SIGKILL");
        if (entry.finished) waits.push(entry.finished);
      }
    }
    await Promise.all(waits);
  }

  /** Stops everything: no more updates, every process group killed, timers cancelled. */
  async stop(): Promise<void> {
    this.#ctx.stopping = true;
    this.#ctx.updates.close();
    this.disconnectAll();
    await this.killAll();
  }
}
