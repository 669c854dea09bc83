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
 * Maintenance orders (framework MESSAGEs) are carried out by maintenance_orders.ts. With
 * TLS (`tls` in the member config) etcd starts once the member's certificate is in place
 * (member_certificate.ts), which renews it while the task lives.
 *
 * @module
 */
import { etcdArgv } from "../lib/etcd/argv.ts";
import { type Logger, silentLogger } from "../lib/log.ts";
import type { ExecutorEvent, TaskInfo, TaskStatus } from "../lib/mesos/types.ts";
import {
  clientUrl,
  decodeMemberConfig,
  type MemberConfig,
  parseInitialCluster,
} from "../contract/member_config.ts";
import type { SnapshotSource } from "../contract/snapshot_source.ts";
import { messageKind, parseCertificateReply } from "../contract/certificates.ts";
import type { MemberCertificate } from "./member_certificate.ts";
import { describeExit, type EtcdProcess, type ExitStatus } from "./etcd_process.ts";
import { durationMs, type EtcdTask, type Phase } from "./etcd_task.ts";
import { defaultListenHost } from "./listen_host.ts";
import { MaintenanceOrders } from "./maintenance_orders.ts";
import { mergeEtcdFlags } from "../contract/etcd_spec.ts";
import type { ExecutorPorts, StatusReport } from "./ports.ts";

export type { Phase } from "./etcd_task.ts";
export type { ExecutorPorts, StatusReport } from "./ports.ts";

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
  #task: EtcdTask | undefined;
  #killingState = false;
  #chain: Promise<void> = Promise.resolve();
  #resolveFinished!: (outcome: ExecutorOutcome) => void;
  #done = false;
  #orders: MaintenanceOrders;
  #cert: MemberCertificate | undefined;
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
    this.#orders = new MaintenanceOrders({
      task: () => this.#task,
      dataDir: () => this.#dataDir,
      ports,
      log: this.#log,
      quiesce: (task) => this.#quiesce(task),
      stopProc: (task, graceMs) => this.#stopProc(task, graceMs),
      graceFor: (task) => this.#graceFor(task),
      start: (task) => this.#start(task),
      update: (taskId, state, extra) => this.#update(taskId, state, extra),
      restore: (task, target) => this.#restore(task, target, target),
      downloadEtcd: (uri) => this.#download(uri),
    });
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
    const task: EtcdTask = {
      id,
      info,
      config,
      clientUrl: clientUrl(config.host, config.clientPort, { tls: config.tls === true }),
      phase: "starting",
      windowStart: this.#ports.clock.now(),
      restarts: 0,
      stopping: false,
      sentRunning: false,
      forceNewCluster: false,
    };
    if (config.etcd?.flags !== undefined) task.etcdFlags = config.etcd.flags;
    this.#task = task;
    this.#update(id, "TASK_STARTING", {
      message: `starting etcd member ${config.name} (${config.clusterState})`,
    });
    const uri = config.etcd?.uri;
    if (uri !== undefined) {
      // A member launched after a rolling restart runs the etcd that restart chose.
      this.#serial(async () => {
        try {
          task.etcdBin = await this.#download(uri);
        } catch (err) {
          return this.#fail(task, err instanceof Error ? err.message : String(err));
        }
        if (task.phase === "starting") this.#startFirst(task, config);
      });
      return;
    }
    this.#startFirst(task, config);
  }

  /** Restores a seed's backup when there is one, then starts etcd (with its certificate). */
  #startFirst(task: EtcdTask, config: MemberConfig): void {
    const seed = config.restore;
    if (seed !== undefined && this.#ports.hasWal?.(this.#dataDir) !== true) {
      // A member seeded from a backup restores it before etcd first starts.
      this.#serial(async () => {
        try {
          await this.#restore(task, seed, config);
        } catch (err) {
          const why = err instanceof Error ? err.message : String(err);
          return this.#fail(task, `Cannot restore backup ${seed.backupId}: ${why}`);
        }
        if (task.phase !== "starting") return;
        if (config.tls) this.#startWithCertificate(task);
        else this.#start(task);
      });
      return;
    }
    if (config.tls) this.#startWithCertificate(task);
    else this.#start(task);
  }

  /** Restores `source` into the data dir as this member of `cluster`'s initial cluster. */
  async #restore(
    task: EtcdTask,
    source: SnapshotSource,
    cluster: { initialCluster: string; clusterToken: string },
  ): Promise<void> {
    const restore = this.#ports.restoreSnapshot;
    if (restore === undefined) throw new Error("this executor cannot restore snapshots");
    const self = parseInitialCluster(cluster.initialCluster).find((e) =>
      e.name === task.config.name
    );
    if (self === undefined) {
      throw new Error(
        `${task.config.name} is not in the restored cluster ${cluster.initialCluster}`,
      );
    }
    this.#log.warn("restoring a backup into the data dir", {
      task: task.id,
      backup: source.backupId,
      initialCluster: cluster.initialCluster,
    });
    await restore({
      source: { backupId: source.backupId, url: source.url, sha256: source.sha256 },
      dataDir: this.#dataDir,
      member: {
        name: task.config.name,
        peerUrl: self.peerUrl,
        initialCluster: cluster.initialCluster,
        clusterToken: cluster.clusterToken,
      },
    });
  }

  /** Obtains the member's certificate from the scheduler, then starts etcd. */
  #startWithCertificate(task: EtcdTask): void {
    // Loaded only with TLS: the x509 library would otherwise weigh on every idle executor.
    import("./member_certificate.ts").then(
      (m) => this.#obtainCertificate(task, m),
      (err) => this.#fail(task, `Cannot load the TLS support: ${(err as Error).message}`),
    );
  }

  #obtainCertificate(task: EtcdTask, m: typeof import("./member_certificate.ts")): void {
    if (this.#done || task.phase !== "starting") return;
    const { agentIps, MemberCertificate } = m;
    const cert = new MemberCertificate({
      sendMessage: (data) => this.#ports.sendMessage(data),
      clock: this.#ports.clock,
      agentIps: this.#ports.agentIps ?? agentIps,
      writeFiles: this.#ports.writeTlsFiles,
      logger: this.#log,
    }, { dir: `${this.#sandbox}/tls`, taskId: task.id, name: task.config.name });
    this.#cert = cert;
    cert.obtain().catch((err) =>
      this.#fail(task, `Cannot prepare the member's TLS key: ${(err as Error).message}`)
    );
    void cert.ready.then(() => {
      if (task.phase === "starting" && !task.proc && task.restartTimer === undefined) {
        this.#start(task);
      }
    });
  }

  #start(task: EtcdTask): void {
    let proc: EtcdProcess;
    try {
      const args = etcdArgv(task.config, {
        dataDir: this.#dataDir,
        listenHost: defaultListenHost(task.config.host),
        forceNewCluster: task.forceNewCluster,
        extraArgs: mergeEtcdFlags(this.#extraArgs, task.etcdFlags ?? []),
        ...(task.config.tls && this.#cert ? { tls: this.#cert.paths } : {}),
      });
      this.#log.info("starting etcd", { task: task.id, args: args.join(" ") });
      proc = task.etcdBin === undefined
        ? this.#ports.spawn(args)
        : this.#ports.spawn(args, task.etcdBin);
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

  #onHealthy(task: EtcdTask): void {
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
      const message = `${order.op} done: etcd is healthy`;
      this.#orders.report(task, { order, ok: true, etcd: "running", message });
    } else if (!task.sentRunning) {
      task.sentRunning = true;
      this.#update(task.id, "TASK_RUNNING", {
        message: `etcd member ${task.config.name} is healthy at ${task.clientUrl}`,
      });
    }
  }

  #onExit(task: EtcdTask, proc: EtcdProcess, status: ExitStatus): void {
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

  async #fail(task: EtcdTask, message: string): Promise<void> {
    if (task.phase === "terminal") return;
    task.phase = "terminal";
    this.#quiesce(task);
    await this.#stopProc(task, this.#graceFor(task));
    this.#orders.failPending(task, message);
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

  async #killTask(task: EtcdTask, graceMs: number, why: string): Promise<void> {
    if (task.phase === "terminal" || task.phase === "killing") return;
    task.phase = "killing";
    this.#quiesce(task);
    if (this.#killingState) this.#update(task.id, "TASK_KILLING", { message: why });
    const status = await this.#stopProc(task, graceMs);
    this.#orders.failPending(task, `task ${why}`);
    task.phase = "terminal";
    const how = status ? ` (etcd ended with ${describeExit(status)})` : "";
    this.#update(task.id, "TASK_KILLED", { message: `etcd stopped: ${why}${how}` });
    this.#finish(0, why);
  }

  // ------------------------------------------------------------------ maintenance orders

  /** Carries out an order in turn with KILL and SHUTDOWN (see maintenance_orders.ts). */
  #message(data: Uint8Array): void {
    if (messageKind(data) === "certificate") {
      try {
        void this.#cert?.onReply(parseCertificateReply(data)).catch((err) =>
          this.#log.error("cannot write the member certificate", { err })
        );
      } catch (err) {
        this.#log.warn("ignoring certificate message", { err });
      }
      return;
    }
    const order = this.#orders.parse(data);
    if (order) this.#serial(() => this.#orders.carryOut(order));
  }

  // ------------------------------------------------------------------ helpers

  /** Downloads the etcd binary at `uri` into the sandbox (a rolling restart's new etcd). */
  #download(uri: string): Promise<string> {
    const download = this.#ports.downloadEtcd;
    if (download === undefined) {
      return Promise.reject(new Error(`this executor cannot download etcd from ${uri}`));
    }
    this.#log.info("downloading etcd", { uri });
    return download(uri);
  }

  /** `<sandbox>/etcd_data`, or `<sandbox>/<volume>/data` on a persistent volume. */
  get #dataDir(): string {
    const volume = this.#task?.config.volume;
    return volume === undefined ? `${this.#sandbox}/etcd_data` : `${this.#sandbox}/${volume}/data`;
  }

  /** Cancels restart timers and health waits. */
  #quiesce(task: EtcdTask): void {
    if (task.restartTimer !== undefined) this.#ports.clock.clearTimeout(task.restartTimer);
    task.restartTimer = undefined;
    task.health?.abort();
    task.health = undefined;
  }

  async #stopProc(task: EtcdTask, graceMs: number): Promise<ExitStatus | undefined> {
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

  #graceFor(task: EtcdTask): number {
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
    this.#cert?.stop();
    this.#log.info("executor finished", { code, reason });
    this.#resolveFinished({ code, reason });
  }
}
