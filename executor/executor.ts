/**
 * The etcd executor's logic: Mesos executor events in, process and status actions out.
 * All I/O goes through {@linkcode ExecutorPorts} (status updates, messages, spawning etcd,
 * waiting for health, time), so tests drive it with fakes and a fake clock.
 *
 * One executor runs one etcd task. Lifecycle: LAUNCH → TASK_STARTING → etcd spawned →
 * TASK_RUNNING once `/health` answers → ... → KILL/SHUTDOWN → SIGTERM, grace, SIGKILL →
 * TASK_KILLED. An etcd that exits within `launchTimeoutMs` of its launch is restarted with
 * backoff; later exits (or a binary that cannot run) fail the task with etcd's stderr tail.
 * When the task is terminal the executor is {@linkcode EtcdExecutor.finished}.
 *
 * @module
 */
import type { Clock } from "../lib/clock.ts";
import { etcdArgv } from "../lib/etcd/argv.ts";
import { type Logger, silentLogger } from "../lib/log.ts";
import type { ExecutorEvent, Label, TaskInfo, TaskStatus } from "../lib/mesos/types.ts";
import { OUTCOME_LABEL } from "../contract/labels.ts";
import { clientUrl, decodeMemberConfig, type MemberConfig } from "../contract/member_config.ts";
import {
  encodeMaintenanceOutcome,
  type MaintenanceOrder,
  type MaintenanceOutcome,
  parseMaintenanceOrder,
} from "../contract/orders.ts";
import { describeExit, type EtcdProcess, type ExitStatus, type SpawnEtcd } from "./etcd_process.ts";

/** A status update as the executor writes it; the client adds uuid, source and timestamp. */
export type StatusReport =
  & Pick<TaskStatus, "task_id" | "state">
  & Partial<
    Pick<TaskStatus, "message" | "reason" | "data" | "labels">
  >;

/** Everything the executor does to the outside world. */
export interface ExecutorPorts {
  /** Sends a status update (reliably, through the executor client). */
  sendUpdate(status: StatusReport): void;
  /** Sends a framework message to the scheduler. */
  sendMessage(data: Uint8Array): void;
  /** Starts etcd; throws when the binary cannot be run. */
  spawn: SpawnEtcd;
  /** Resolves true once etcd at `clientUrl` is healthy, false when `signal` aborts. */
  waitHealthy(clientUrl: string, signal: AbortSignal): Promise<boolean>;
  clock: Clock;
  logger?: Logger;
  /**
   * True when etcd's write-ahead log under `dataDir` holds at least one `.wal` file. A
   * reseed (`--force-new-cluster`) of a data dir without one would start a new, empty
   * cluster that looks healthy: the order is refused instead. Absent: not checked.
   */
  hasWal?(dataDir: string): boolean;
}

/** Settings of {@linkcode EtcdExecutor}. */
export interface EtcdExecutorOptions {
  /** The sandbox; etcd's data dir is `<sandbox>/etcd_data`. */
  sandbox: string;
  /** How long after launch an exiting etcd is restarted rather than failed; default 240 s. */
  launchTimeoutMs?: number;
  /** Grace period of a KILL without a kill policy; default 3 s. */
  killGraceMs?: number;
  /** The agent's executor shutdown grace period; default 5 s. */
  shutdownGraceMs?: number;
  /** First and largest restart delays; default 500 ms and 4 s, doubling. */
  restartBackoff?: { initialMs: number; maxMs: number };
  /** Flags appended to etcd's command line. */
  extraEtcdArgs?: readonly string[];
}

/** Why the executor is done, and the exit code it suggests. */
export interface ExecutorOutcome {
  code: number;
  reason: string;
}

type Phase = "starting" | "running" | "stopped" | "killing" | "terminal";

interface Task {
  id: string;
  info: TaskInfo;
  config: MemberConfig;
  clientUrl: string;
  phase: Phase;
  /** Start of the restart window (launch, or the last reseed/restart order). */
  windowStart: number;
  restarts: number;
  proc?: EtcdProcess;
  stopping: boolean;
  health?: AbortController;
  restartTimer?: number;
  sentRunning: boolean;
  forceNewCluster: boolean;
  pendingOrder?: MaintenanceOrder;
}

/** etcd listens on the advertised host when it is an IP literal, else on every address. */
export function defaultListenHost(host: string): string {
  if (host === "localhost") return "127.0.0.1";
  const bare = host.replace(/^\[|\]$/g, "");
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(bare) || bare.includes(":") ? bare : "0.0.0.0";
}

function durationMs(d: { nanoseconds: number | bigint } | undefined): number | undefined {
  if (d === undefined) return undefined;
  const ms = Number(d.nanoseconds) / 1e6;
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

/** The executor state machine; feed it events with {@linkcode EtcdExecutor.handle}. */
export class EtcdExecutor {
  #ports: ExecutorPorts;
  #log: Logger;
  #sandbox: string;
  #launchTimeoutMs: number;
  #killGraceMs: number;
  #shutdownGraceMs: number;
  #backoff: { initialMs: number; maxMs: number };
  #extraArgs: readonly string[];
  #task: Task | undefined;
  #killingState = false;
  #chain: Promise<void> = Promise.resolve();
  #resolveFinished!: (outcome: ExecutorOutcome) => void;
  #done = false;
  /** Resolves once the executor has nothing left to do (after its task's terminal update). */
  readonly finished: Promise<ExecutorOutcome>;

  /** Creates an executor that acts through `ports`. */
  constructor(ports: ExecutorPorts, options: EtcdExecutorOptions) {
    this.#ports = ports;
    this.#log = ports.logger ?? silentLogger;
    this.#sandbox = options.sandbox;
    this.#launchTimeoutMs = options.launchTimeoutMs ?? 240_000;
    this.#killGraceMs = options.killGraceMs ?? 3_000;
    this.#shutdownGraceMs = options.shutdownGraceMs ?? 5_000;
    this.#backoff = options.restartBackoff ?? { initialMs: 500, maxMs: 4_000 };
    this.#extraArgs = options.extraEtcdArgs ?? [];
    this.finished = new Promise((resolve) => this.#resolveFinished = resolve);
  }

  /** The current task's id and phase, for logs and tests. */
  get state(): { taskId?: string; phase?: Phase; pid?: number } {
    const t = this.#task;
    return t ? { taskId: t.id, phase: t.phase, pid: t.proc?.pid } : {};
  }

  /** Dispatches one executor event. */
  handle(event: ExecutorEvent): void {
    switch (event.type) {
      case "SUBSCRIBED": {
        const caps = event.subscribed?.framework_info?.capabilities ?? [];
        this.#killingState = caps.some((c) => c.type === "TASK_KILLING_STATE");
        break;
      }
      case "LAUNCH":
        if (event.launch) this.#launch(event.launch.task);
        break;
      case "LAUNCH_GROUP":
        this.#log.error("task groups are not supported; ignoring LAUNCH_GROUP");
        break;
      case "KILL": {
        const kill = event.kill;
        if (!kill) break;
        this.#serial(() =>
          this.#kill(kill.task_id.value, durationMs(kill.kill_policy?.grace_period))
        );
        break;
      }
      case "SHUTDOWN":
        this.#serial(() => this.#shutdown());
        break;
      case "MESSAGE":
        if (event.message) this.#message(event.message.data);
        break;
      case "ERROR":
        this.#log.error("agent sent ERROR", { message: event.error?.message });
        break;
      default:
        break;
    }
  }

  /**
   * Stops etcd without sending anything and finishes with code 1: the agent connection is
   * gone for good (no checkpointing, or recovery timed out), or the executor got SIGTERM.
   */
  async abort(reason: string): Promise<void> {
    this.#log.warn("stopping etcd and giving up", { reason });
    const t = this.#task;
    if (t && t.phase !== "terminal") {
      t.phase = "terminal";
      this.#quiesce(t);
      await this.#stopProc(t, this.#graceFor(t));
    }
    this.#finish(1, reason);
  }

  // ------------------------------------------------------------------ launch and run

  #launch(info: TaskInfo): void {
    const id = info.task_id.value;
    if (this.#task) {
      this.#update(id, "TASK_FAILED", {
        message: `Cannot launch ${id}: this executor already runs task ${this.#task.id}`,
        reason: "REASON_TASK_INVALID",
      });
      return;
    }
    let config: MemberConfig;
    try {
      config = decodeMemberConfig(info.data);
    } catch (err) {
      const message = `Cannot start etcd: ${err instanceof Error ? err.message : String(err)}`;
      this.#log.error("bad task data", { task: id, err: message });
      this.#update(id, "TASK_FAILED", { message, reason: "REASON_TASK_INVALID" });
      this.#finish(0, "task data invalid");
      return;
    }
    const task: Task = {
      id,
      info,
      config,
      clientUrl: clientUrl(config.host, config.clientPort),
      phase: "starting",
      windowStart: this.#ports.clock.now(),
      restarts: 0,
      stopping: false,
      sentRunning: false,
      forceNewCluster: false,
    };
    this.#task = task;
    this.#update(id, "TASK_STARTING", {
      message: `starting etcd member ${config.name} (${config.clusterState})`,
    });
    this.#start(task);
  }

  #start(task: Task): void {
    let proc: EtcdProcess;
    try {
      const args = etcdArgv(task.config, {
        dataDir: this.#dataDir,
        listenHost: defaultListenHost(task.config.host),
        forceNewCluster: task.forceNewCluster,
        extraArgs: this.#extraArgs,
      });
      this.#log.info("starting etcd", { task: task.id, args: args.join(" ") });
      proc = this.#ports.spawn(args);
    } catch (err) {
      void this.#fail(task, `Cannot start etcd: ${err instanceof Error ? err.message : err}`);
      return;
    }
    task.proc = proc;
    proc.exited.then((status) => this.#onExit(task, proc, status));
    const health = new AbortController();
    task.health = health;
    this.#ports.waitHealthy(task.clientUrl, health.signal).then((ok) => {
      if (ok && !health.signal.aborted && task.proc === proc) this.#onHealthy(task);
    });
  }

  #onHealthy(task: Task): void {
    if (task.phase !== "starting" && task.phase !== "running") return;
    task.health = undefined;
    task.forceNewCluster = false;
    // A healthy etcd ends a crash loop: the next exit restarts after the first delay again.
    task.restarts = 0;
    const order = task.pendingOrder;
    task.pendingOrder = undefined;
    if (task.phase === "starting") task.phase = "running";
    this.#log.info("etcd is healthy", { task: task.id, url: task.clientUrl });
    if (order) {
      task.phase = "running";
      task.sentRunning = true;
      this.#report(task, order, true, "running", `${order.op} done: etcd is healthy`);
    } else if (!task.sentRunning) {
      task.sentRunning = true;
      this.#update(task.id, "TASK_RUNNING", {
        message: `etcd member ${task.config.name} is healthy at ${task.clientUrl}`,
      });
    }
  }

  #onExit(task: Task, proc: EtcdProcess, status: ExitStatus): void {
    if (task.proc !== proc) return;
    task.proc = undefined;
    task.health?.abort();
    task.health = undefined;
    if (task.stopping || (task.phase !== "starting" && task.phase !== "running")) return;
    const now = this.#ports.clock.now();
    const tail = proc.stderrTail();
    const how = describeExit(status);
    if (now - task.windowStart < this.#launchTimeoutMs) {
      const delay = Math.min(this.#backoff.maxMs, this.#backoff.initialMs * 2 ** task.restarts);
      task.restarts++;
      this.#log.warn("etcd exited early; restarting", {
        task: task.id,
        exit: how,
        restart: task.restarts,
        delayMs: delay,
        stderr: tail.split("\n").slice(-3).join("\n"),
      });
      task.restartTimer = this.#ports.clock.setTimeout(() => {
        task.restartTimer = undefined;
        if ((task.phase === "starting" || task.phase === "running") && !task.proc) {
          this.#start(task);
        }
      }, delay);
      return;
    }
    const restarts = task.restarts > 0 ? ` after ${task.restarts} restart(s)` : "";
    void this.#fail(task, `etcd exited with ${how}${restarts}; stderr tail:\n${tail}`);
  }

  async #fail(task: Task, message: string): Promise<void> {
    if (task.phase === "terminal") return;
    task.phase = "terminal";
    this.#quiesce(task);
    await this.#stopProc(task, this.#graceFor(task));
    if (task.pendingOrder) {
      this.#report(task, task.pendingOrder, false, "stopped", message);
      task.pendingOrder = undefined;
    }
    this.#log.error("etcd task failed", { task: task.id, message });
    this.#update(task.id, "TASK_FAILED", { message });
    this.#finish(0, "task failed");
  }

  // ------------------------------------------------------------------ kill and shutdown

  async #kill(taskId: string, graceMs: number | undefined): Promise<void> {
    const task = this.#task;
    if (!task || task.id !== taskId) {
      this.#log.warn("KILL for a task this executor does not run", { task: taskId });
      return;
    }
    await this.#killTask(task, graceMs ?? this.#graceFor(task), "killed by the scheduler");
  }

  async #shutdown(): Promise<void> {
    const task = this.#task;
    if (task) {
      const grace = Math.min(this.#graceFor(task), Math.max(0, this.#shutdownGraceMs - 1_000));
      await this.#killTask(task, grace, "executor shut down");
    }
    this.#finish(0, "shutdown");
  }

  async #killTask(task: Task, graceMs: number, why: string): Promise<void> {
    if (task.phase === "terminal" || task.phase === "killing") return;
    task.phase = "killing";
    this.#quiesce(task);
    if (this.#killingState) this.#update(task.id, "TASK_KILLING", { message: why });
    const status = await this.#stopProc(task, graceMs);
    if (task.pendingOrder) {
      this.#report(task, task.pendingOrder, false, "stopped", `task ${why}`);
      task.pendingOrder = undefined;
    }
    task.phase = "terminal";
    const how = status ? ` (etcd ended with ${describeExit(status)})` : "";
    this.#update(task.id, "TASK_KILLED", { message: `etcd stopped: ${why}${how}` });
    this.#finish(0, why);
  }

  // ------------------------------------------------------------------ maintenance orders

  #message(data: Uint8Array): void {
    let order: MaintenanceOrder;
    try {
      order = parseMaintenanceOrder(data);
    } catch (err) {
      this.#log.warn("ignoring framework message", { err });
      return;
    }
    this.#serial(() => this.#order(order));
  }

  get #dataDir(): string {
    return `${this.#sandbox}/etcd_data`;
  }

  async #order(order: MaintenanceOrder): Promise<void> {
    const task = this.#task;
    if (!task || task.phase === "terminal" || task.phase === "killing") {
      this.#log.warn("maintenance order without a live task", { op: order.op });
      this.#ports.sendMessage(encodeMaintenanceOutcome({
        kind: "outcome",
        op: order.op,
        ...(order.id !== undefined ? { id: order.id } : {}),
        taskId: task?.id ?? "",
        ok: false,
        etcd: "stopped",
        message: "no live etcd task in this executor",
      }));
      return;
    }
    if (order.taskId !== undefined && order.taskId !== task.id) {
      this.#report(
        task,
        order,
        false,
        task.proc ? "running" : "stopped",
        `not task ${order.taskId}`,
      );
      return;
    }
    if (task.pendingOrder) {
      this.#report(task, task.pendingOrder, false, "stopped", `superseded by ${order.op}`);
      task.pendingOrder = undefined;
    }
    if (order.op === "reseed" && this.#ports.hasWal?.(this.#dataDir) === false) {
      this.#log.error("refusing to reseed from a data dir without a write-ahead log", {
        task: task.id,
        dataDir: this.#dataDir,
      });
      this.#report(
        task,
        order,
        false,
        task.proc ? "running" : "stopped",
        `refused: ${this.#dataDir} has no etcd write-ahead log; seeding it would start an empty cluster`,
      );
      return;
    }
    this.#log.info("maintenance order", { task: task.id, op: order.op, id: order.id });
    this.#quiesce(task);
    await this.#stopProc(task, this.#graceFor(task));
    if (order.op === "stop") {
      task.phase = "stopped";
      this.#report(task, order, true, "stopped", "etcd stopped; data dir kept");
      return;
    }
    task.phase = task.sentRunning ? "running" : "starting";
    task.windowStart = this.#ports.clock.now();
    task.restarts = 0;
    task.forceNewCluster = order.op === "reseed";
    task.pendingOrder = order;
    this.#start(task);
  }

  /** Reports an order's outcome: a TASK_RUNNING update (while the task lives) and a MESSAGE. */
  #report(
    task: Task,
    order: MaintenanceOrder,
    ok: boolean,
    etcd: MaintenanceOutcome["etcd"],
    message: string,
  ): void {
    const outcome: MaintenanceOutcome = {
      kind: "outcome",
      op: order.op,
      ...(order.id !== undefined ? { id: order.id } : {}),
      taskId: task.id,
      ok,
      etcd,
      message,
    };
    const data = encodeMaintenanceOutcome(outcome);
    if (task.phase !== "terminal" && task.phase !== "killing" && task.sentRunning) {
      const labels: Label[] = [
        { key: OUTCOME_LABEL.op, value: order.op },
        { key: OUTCOME_LABEL.outcome, value: ok ? "ok" : "failed" },
        { key: OUTCOME_LABEL.etcd, value: etcd },
      ];
      if (order.id !== undefined) labels.push({ key: OUTCOME_LABEL.orderId, value: order.id });
      this.#update(task.id, "TASK_RUNNING", { message, data, labels: { labels } });
    }
    this.#ports.sendMessage(data);
  }

  // ------------------------------------------------------------------ helpers

  /** Cancels restart timers and health waits. */
  #quiesce(task: Task): void {
    if (task.restartTimer !== undefined) this.#ports.clock.clearTimeout(task.restartTimer);
    task.restartTimer = undefined;
    task.health?.abort();
    task.health = undefined;
  }

  async #stopProc(task: Task, graceMs: number): Promise<ExitStatus | undefined> {
    const proc = task.proc;
    if (!proc) return undefined;
    task.stopping = true;
    try {
      this.#log.info("stopping etcd", { task: task.id, pid: proc.pid, graceMs });
      return await proc.stop(graceMs);
    } finally {
      task.stopping = false;
      if (task.proc === proc) task.proc = undefined;
    }
  }

  #graceFor(task: Task): number {
    return durationMs(task.info.kill_policy?.grace_period) ?? this.#killGraceMs;
  }

  #update(taskId: string, state: TaskStatus["state"], extra: Partial<StatusReport> = {}): void {
    this.#ports.sendUpdate({ task_id: { value: taskId }, state, ...extra });
  }

  #serial(fn: () => Promise<void>): void {
    this.#chain = this.#chain.then(fn).catch((err) => {
      this.#log.error("executor step failed", { err });
    });
  }

  #finish(code: number, reason: string): void {
    if (this.#done) return;
    this.#done = true;
    this.#log.info("executor finished", { code, reason });
    this.#resolveFinished({ code, reason });
  }
}
