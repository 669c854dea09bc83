/**
 * The heart of the local agent: runs the tasks the master hands over (custom executors as
 * real processes that talk the v1 executor API, command tasks through a built-in command
 * executor), relays kills, messages and shutdowns, and turns every exit into the status
 * updates and `executor_exited` notice a real Mesos agent would send.
 *
 * @module
 */
import type { Clock } from "../../clock.ts";
import { bytesToBase64, type Plain } from "../../mesos/codec.ts";
import type { Logger } from "../../log.ts";
import { isTerminal, type TaskState } from "../../mesos/types.ts";
import { sandboxPath } from "./container.ts";
import { formatDuration } from "./executor_env.ts";
import { commandExecutorInfo, commandOutcome, killGraceMs } from "./command_task.ts";
import { launchCommand } from "./launch.ts";
import {
  agentStatus,
  containerStatus,
  type ExecutorConnection,
  type ExecutorEntry,
  type FrameworkEntry,
  hasCapability,
  statusSummary,
  type TaskEntry,
  taskMessage,
} from "./model.ts";
import { asAllocated } from "./resource_string.ts";
import { StatusUpdateManager } from "./status_updates.ts";

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
}

/** Runs and watches executors and tasks for every framework on the agent. */
export class ExecutorSupervisor {
  readonly #o: SupervisorOptions;
  readonly #log: Logger;
  readonly #frameworks = new Map<string, FrameworkEntry>();
  readonly #updates: StatusUpdateManager;
  #stopping = false;

  constructor(options: SupervisorOptions) {
    this.#o = options;
    this.#log = options.logger;
    this.#updates = new StatusUpdateManager({
      forward: (fw, status) => options.notifier.statusUpdate(fw, status),
      retryMs: options.statusRetryMs,
      maxRetryMs: options.statusRetryMaxMs,
      clock: options.clock,
      logger: options.logger,
    });
  }

  /** The status update manager (paused while the master is unreachable). */
  get updates(): StatusUpdateManager {
    return this.#updates;
  }

  /** Every framework with work here. */
  frameworks(): FrameworkEntry[] {
    return [...this.#frameworks.values()];
  }

  /** Finds an executor for the executor API, or the 400 text Mesos answers. */
  lookup(frameworkId: string, executorId: string): ExecutorEntry | string {
    const fw = this.#frameworks.get(frameworkId);
    if (!fw) return "Framework cannot be found";
    return fw.executors.get(executorId) ?? "Executor cannot be found";
  }

  // ------------------------------------------------------------------ master -> agent

  /** Starts `task` (TaskInfo) of the framework described by `frameworkInfo` (with id). */
  runTask(frameworkInfo: Plain, task: Plain): void {
    const fwId = String(frameworkInfo.id?.value);
    let fw = this.#frameworks.get(fwId);
    if (!fw) {
      fw = {
        id: fwId,
        info: frameworkInfo,
        executors: new Map(),
        completedExecutors: [],
        terminating: false,
      };
      this.#frameworks.set(fwId, fw);
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
    if (task.executor === undefined) {
      const entry = this.#newExecutor(fw, commandExecutorInfo(task, fwId), "command");
      entry.tasks.set(taskId, taskEntry);
      this.#start(fw, entry, task.command ?? {});
      return;
    }
    const execId = String(task.executor.executor_id.value);
    let entry = fw.executors.get(execId);
    if (entry && (entry.state === "TERMINATING" || entry.state === "TERMINATED")) {
      const state = hasCapability(fw, "PARTITION_AWARE") ? "TASK_DROPPED" : "TASK_LOST";
      this.#agentUpdate(
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
      entry = this.#newExecutor(fw, info, "custom");
      entry.tasks.set(taskId, taskEntry);
      this.#start(fw, entry, info.command ?? {});
      return;
    }
    entry.tasks.set(taskId, taskEntry);
    if (entry.state === "RUNNING") this.#deliver(entry, taskEntry);
  }

  /** Kills a task: KILL to its executor, or the command's process group for a command task. */
  killTask(frameworkId: string, taskId: string, killPolicy?: Plain): void {
    const fw = this.#frameworks.get(frameworkId);
    if (!fw) return this.#log.warn("kill for unknown framework", { framework_id: frameworkId });
    const entry = [...fw.executors.values()].find((e) => e.tasks.has(taskId));
    const task = entry?.tasks.get(taskId);
    if (!entry || !task) {
      const state = hasCapability(fw, "PARTITION_AWARE") ? "TASK_DROPPED" : "TASK_LOST";
      this.#agentUpdate(
        fw,
        undefined,
        taskId,
        state,
        "REASON_EXECUTOR_TERMINATED",
        "Cannot find executor",
      );
      return;
    }
    if (entry.kind === "command") return this.#killCommand(fw, entry, task, killPolicy);
    if (!task.launched) {
      entry.tasks.delete(taskId);
      this.#agentUpdate(
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
    const entry = this.#frameworks.get(frameworkId)?.executors.get(executorId);
    if (!entry || entry.state === "TERMINATING" || entry.state === "TERMINATED") return;
    const wasRunning = entry.state === "RUNNING";
    entry.state = "TERMINATING";
    this.#clearRegistrationTimer(entry);
    if (entry.kind === "command") entry.killed = true;
    if (entry.kind === "command" || !wasRunning) {
      entry.process?.signalGroup(entry.kind === "command" ? "SIGTERM" : "SIGKILL");
    } else {
      entry.connection?.send({ type: "SHUTDOWN" });
    }
    const graceNs = entry.info.shutdown_grace_period?.nanoseconds;
    const grace = graceNs !== undefined ? Number(graceNs) / 1e6 : this.#o.shutdownGracePeriodMs;
    entry.shutdownTimer = this.#o.clock.setTimeout(() => {
      entry.shutdownTimer = undefined;
      entry.process?.signalGroup("SIGKILL");
    }, grace);
  }

  /** Shuts down every executor of a framework; no more updates are sent for it. */
  shutdownFramework(frameworkId: string): void {
    const fw = this.#frameworks.get(frameworkId);
    if (!fw) return;
    fw.terminating = true;
    this.#updates.forgetFramework(frameworkId);
    for (const id of [...fw.executors.keys()]) this.shutdownExecutor(frameworkId, id);
    if (fw.executors.size === 0) this.#frameworks.delete(frameworkId);
  }

  /** Relays a scheduler MESSAGE to a subscribed executor (dropped otherwise, like Mesos). */
  frameworkMessage(frameworkId: string, executorId: string, data: Uint8Array): void {
    const entry = this.#frameworks.get(frameworkId)?.executors.get(executorId);
    if (!entry?.connection) {
      return this.#log.warn("dropping framework message", { executor_id: executorId });
    }
    entry.connection.send({ type: "MESSAGE", message: { data } });
  }

  /** The scheduler acknowledged an update (uuid in base64). */
  acknowledge(frameworkId: string, taskId: string, uuid: string): void {
    const acked = this.#updates.acknowledge(frameworkId, taskId, uuid);
    if (!acked || !isTerminal(acked.state)) return;
    if (this.#updates.pending(frameworkId, taskId).length > 0) return;
    this.#updates.forgetTask(frameworkId, taskId);
    for (const entry of this.#frameworks.get(frameworkId)?.executors.values() ?? []) {
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
    const fw = this.#frameworks.get(entry.frameworkId)!;
    if (fw.terminating || entry.state === "TERMINATING" || entry.state === "TERMINATED") {
      connection.send({ type: "SHUTDOWN" });
      connection.close();
      return;
    }
    const old = entry.connection;
    entry.connection = connection;
    if (old && old !== connection) old.close();
    this.#clearRegistrationTimer(entry);
    const resubscribe = entry.state === "RUNNING";
    entry.state = "RUNNING";
    connection.send({
      type: "SUBSCRIBED",
      subscribed: {
        executor_info: shapeExecutorInfo(entry.info),
        framework_info: fw.info,
        agent_info: this.#o.agentInfo(),
        container_id: { value: entry.containerId },
      },
    });
    if (resubscribe) {
      for (const u of subscribe.unacknowledged_updates ?? []) this.update(entry, u.status);
    }
    for (const task of entry.tasks.values()) if (!task.launched) this.#deliver(entry, task);
  }

  /** Executor UPDATE (already validated): recorded, forwarded, ACKNOWLEDGED to the executor. */
  update(entry: ExecutorEntry, executorStatus: Plain): void {
    const status: Plain = { ...executorStatus, agent_id: { value: this.#o.agentId() } };
    status.timestamp ??= this.#o.clock.now() / 1000;
    status.container_status ??= containerStatus(entry.containerId, this.#o.ip, entry.process?.pid);
    const fw = this.#frameworks.get(entry.frameworkId)!;
    this.#record(fw, entry, status);
    const ack = { task_id: status.task_id, uuid: status.uuid };
    this.#o.clock.setTimeout(
      () => entry.connection?.send({ type: "ACKNOWLEDGED", acknowledged: ack }),
      0,
    );
  }

  /** Executor MESSAGE: relayed to the master (unreliable). */
  message(entry: ExecutorEntry, data: Uint8Array): void {
    this.#o.notifier.executorMessage(entry.frameworkId, entry.id, data).catch((e) =>
      this.#log.warn("executor message not delivered", { executor_id: entry.id, error: e })
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
    for (const fw of this.#frameworks.values()) {
      const entry = fw.executors.get(executorId);
      if (entry?.process) found = entry.process.signalGroup("SIGKILL") || found;
    }
    return found;
  }

  /** Non-terminal tasks and their frameworks, for (re-)registration with a master. */
  registrationSnapshot(): { tasks: Plain[]; frameworks: Plain[] } {
    const tasks: Plain[] = [];
    const frameworks: Plain[] = [];
    for (const fw of this.#frameworks.values()) {
      if (fw.terminating) continue;
      const before = tasks.length;
      for (const entry of fw.executors.values()) {
        for (const task of entry.tasks.values()) {
          if (!isTerminal(task.state)) tasks.push(taskMessage(task, entry, this.#o.agentId()));
        }
      }
      if (tasks.length > before) frameworks.push(fw.info);
    }
    return { tasks, frameworks };
  }

  /** Closes every executor stream (the agent's HTTP server is going away). */
  disconnectAll(): void {
    for (const fw of this.#frameworks.values()) {
      for (const entry of fw.executors.values()) {
        entry.connection?.close();
        entry.connection = undefined;
      }
    }
  }

  /** Kills every process group (optionally only of frameworks matching `which`) and waits. */
  async killAll(which: (fw: FrameworkEntry) => boolean = () => true): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const fw of this.#frameworks.values()) {
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
    this.#stopping = true;
    this.#updates.close();
    this.disconnectAll();
    await this.killAll();
  }

  // ------------------------------------------------------------------ internals

  #newExecutor(fw: FrameworkEntry, info: Plain, kind: "custom" | "command"): ExecutorEntry {
    const id = String(info.executor_id.value);
    const containerId = crypto.randomUUID();
    const directory = sandboxPath(this.#o.workDir, {
      agentId: this.#o.agentId(),
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

  #start(fw: FrameworkEntry, entry: ExecutorEntry, command: Plain): void {
    const checkpoint = this.#o.checkpoint && fw.info.checkpoint === true;
    const taskId = entry.kind === "command" ? entry.id : undefined;
    const launched = launchCommand({
      command,
      directory: entry.directory,
      frameworkId: fw.id,
      executorId: entry.id,
      agentId: this.#o.agentId(),
      agentIp: this.#o.ip,
      agentPort: this.#o.port(),
      checkpoint,
      shutdownGracePeriodMs: this.#o.shutdownGracePeriodMs,
      agentPath: this.#o.agentPath,
      cacheDir: `${this.#o.workDir}/fetch_cache`,
      logger: this.#log,
      extraEnv: taskId !== undefined ? { MESOS_TASK_ID: taskId } : undefined,
    });
    const done = launched.then((process) => {
      entry.process = process;
      this.#o.onSpawn?.(process.pid);
      if (this.#stopping || entry.state === "TERMINATING") process.signalGroup("SIGKILL");
      else if (entry.kind === "command") this.#commandStarted(fw, entry);
      else this.#armRegistrationTimer(entry);
      if (entry.state === "LAUNCHING") {
        entry.state = entry.kind === "command" ? "RUNNING" : "REGISTERING";
      }
      return process.exited.then((exit) => this.#finish(fw, entry, exit.raw, exit));
    }, (e) => {
      this.#log.warn("container launch failed", { executor_id: entry.id, error: e });
      entry.termination ??= {
        reason: "REASON_CONTAINER_LAUNCH_FAILED",
        message: `Failed to launch container: ${(e as Error).message}`,
      };
      this.#finish(fw, entry, -1);
    });
    entry.finished = done;
  }

  #armRegistrationTimer(entry: ExecutorEntry): void {
    const ms = this.#o.registrationTimeoutMs;
    entry.registrationTimer = this.#o.clock.setTimeout(() => {
      entry.registrationTimer = undefined;
      if (entry.state !== "REGISTERING") return;
      this.#log.warn("executor did not subscribe in time", { executor_id: entry.id });
      entry.termination = {
        reason: "REASON_EXECUTOR_REGISTRATION_TIMEOUT",
        message: `Executor did not register within ${formatDuration(ms)}`,
      };
      entry.state = "TERMINATING";
      entry.process?.signalGroup("SIGKILL");
    }, ms);
  }

  #clearRegistrationTimer(entry: ExecutorEntry): void {
    if (entry.registrationTimer !== undefined) this.#o.clock.clearTimeout(entry.registrationTimer);
    entry.registrationTimer = undefined;
  }

  #deliver(entry: ExecutorEntry, task: TaskEntry): void {
    task.launched = true;
    const info: Plain = { ...task.info, resources: asAllocated(task.info.resources) };
    if (info.executor) info.executor = shapeExecutorInfo(info.executor);
    if (info.resources === undefined) delete info.resources;
    entry.connection?.send({ type: "LAUNCH", launch: { task: info } });
  }

  #commandStarted(fw: FrameworkEntry, entry: ExecutorEntry): void {
    for (const task of entry.tasks.values()) {
      task.launched = true;
      this.#commandUpdate(fw, entry, task, "TASK_STARTING");
      this.#commandUpdate(fw, entry, task, "TASK_RUNNING");
    }
  }

  #killCommand(fw: FrameworkEntry, entry: ExecutorEntry, task: TaskEntry, policy?: Plain): void {
    if (isTerminal(task.state) || entry.killed) return;
    entry.killed = true;
    if (hasCapability(fw, "TASK_KILLING_STATE")) {
      this.#commandUpdate(fw, entry, task, "TASK_KILLING");
    }
    entry.process?.signalGroup("SIGTERM");
    entry.shutdownTimer = this.#o.clock.setTimeout(() => {
      entry.shutdownTimer = undefined;
      entry.process?.signalGroup("SIGKILL");
    }, killGraceMs(policy, task.info));
    if (!entry.process) entry.state = "TERMINATING";
  }

  #commandUpdate(
    fw: FrameworkEntry,
    entry: ExecutorEntry,
    task: TaskEntry,
    state: TaskState,
    message?: string,
  ) {
    this.#record(
      fw,
      entry,
      agentStatus({
        taskId: String(task.info.task_id.value),
        state,
        agentId: this.#o.agentId(),
        executorId: entry.id,
        message,
        source: "SOURCE_EXECUTOR",
        timestamp: this.#o.clock.now() / 1000,
        containerStatus: containerStatus(entry.containerId, this.#o.ip, entry.process?.pid),
      }),
    );
  }

  #agentUpdate(
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
      agentId: this.#o.agentId(),
      timestamp: this.#o.clock.now() / 1000,
    });
    this.#record(fw, entry, status);
  }

  #record(fw: FrameworkEntry, entry: ExecutorEntry | undefined, status: Plain): void {
    if (this.#stopping || fw.terminating) return;
    if (this.#updates.update(fw.id, status) === "duplicate") return;
    const task = entry?.tasks.get(String(status.task_id.value));
    if (task) {
      task.state = status.state;
      task.statuses.push(statusSummary(status));
    }
  }

  #finish(
    fw: FrameworkEntry,
    entry: ExecutorEntry,
    raw: number,
    exit?: { code: number; signal?: Deno.Signal; raw: number },
  ) {
    this.#clearRegistrationTimer(entry);
    if (entry.shutdownTimer !== undefined) this.#o.clock.clearTimeout(entry.shutdownTimer);
    entry.shutdownTimer = undefined;
    entry.state = "TERMINATED";
    entry.connection?.close();
    entry.connection = undefined;
    fw.executors.delete(entry.id);
    fw.completedExecutors.push(entry);
    if (this.#stopping) return;
    this.#log.info("executor exited", { executor_id: entry.id, status: raw });
    for (const task of entry.tasks.values()) {
      if (isTerminal(task.state)) continue;
      if (entry.kind === "command" && exit) {
        const outcome = commandOutcome(exit, entry.killed === true);
        this.#commandUpdate(fw, entry, task, outcome.state, outcome.message);
        continue;
      }
      const t = entry.termination ??
        { reason: "REASON_EXECUTOR_TERMINATED", message: "Executor terminated" };
      this.#agentUpdate(
        fw,
        entry,
        String(task.info.task_id.value),
        "TASK_FAILED",
        t.reason,
        t.message,
      );
    }
    if (entry.kind === "custom" && !fw.terminating) {
      this.#o.notifier.executorExited(fw.id, entry.id, raw).catch((e) =>
        this.#log.warn("executor_exited not delivered", { executor_id: entry.id, error: e })
      );
    }
    if (fw.terminating && fw.executors.size === 0) this.#frameworks.delete(fw.id);
  }
}

/** ExecutorInfo as the executor sees it: resources with `allocation_info` and no role. */
function shapeExecutorInfo(info: Plain): Plain {
  const out = { ...info, resources: asAllocated(info.resources) };
  if (out.resources === undefined) delete out.resources;
  return out;
}

/** Base64 of a status uuid (for logs and the internal protocol). */
export function statusUuid(status: Plain): string {
  return bytesToBase64(status.uuid);
}
