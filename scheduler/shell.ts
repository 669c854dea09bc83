/**
 * The scheduler's I/O shell around the pure core: turns the scheduler client's notices,
 * effect answers, timer ticks and admin requests into inputs, steps the core with one input
 * at a time, and hands the effects to the {@linkcode EffectRunner}.
 *
 * @example
 * ```ts
 * const shell = createSchedulerShell({ client, etcd, executor: { command }, core: { clusterSize: 3 } });
 * await shell.run(); // until the client is closed; rejects when the master ends the framework
 * ```
 *
 * @module
 */
import { type Clock, systemClock } from "../lib/clock.ts";
import type { EtcdAdmin } from "../lib/etcd/admin.ts";
import { type Logger, silentLogger } from "../lib/log.ts";
import type { SchedulerCall } from "../lib/mesos/calls.ts";
import type { SchedulerNotice } from "../lib/mesos/scheduler_client.ts";
import type { SchedulerEvent } from "../lib/mesos/types.ts";
import type { Input } from "./core/inputs.ts";
import { type CoreOptions, initialState, type State } from "./core/state.ts";
import { step } from "./core/step.ts";
import { buildTaskInfo, type ExecutorTemplate } from "./core/task_info.ts";
import {
  healthOf,
  type HealthView,
  membersOf,
  type MemberView,
  type Stats,
  statsOf,
} from "./core/views.ts";
import type { ObservedStep } from "./admin/history.ts";
import type { BackupRef } from "./core/restore_run.ts";
import type { RollingRestartRecord } from "./core/rolling_restart_run.ts";
import type { EtcdSpec } from "../contract/etcd_spec.ts";
import { EffectRunner, type EffectRunnerDeps } from "./effect_runner.ts";
import { InputQueue } from "./input_queue.ts";
import { inputsOfEvent } from "./event_inputs.ts";
import { withTls } from "./tls/scheme.ts";

/** The part of the scheduler client the shell uses. */
export interface ShellClient extends AsyncIterable<SchedulerNotice> {
  call(call: SchedulerCall): Promise<unknown>;
}

/** Options of {@linkcode createSchedulerShell}. */
export interface SchedulerShellOptions {
  client: ShellClient;
  etcd: EtcdAdmin;
  /** How agents run the executor; the framework id is added once known. */
  executor: Omit<ExecutorTemplate, "frameworkId">;
  /** The core's knobs (cluster size, limits, intervals...). */
  core?: Partial<CoreOptions>;
  /** Stores the framework id (ZooKeeper); absent for an ephemeral framework. */
  persistFrameworkId?: (id: string) => Promise<void>;
  /** Stores the cluster size an operator chose (ZooKeeper); absent for an ephemeral one. */
  persistClusterSize?: (size: number) => Promise<void>;
  /** Stores the rolling restart's record (ZooKeeper); absent for an ephemeral one. */
  persistRollingRestart?: (record: RollingRestartRecord) => Promise<void>;
  /** Keeps members' volume records (ZooKeeper); absent for an ephemeral framework. */
  volumes?: EffectRunnerDeps["volumes"];
  clock?: Clock;
  logger?: Logger;
  /**
   * True when the framework had no id before this run: the master cannot know any task of
   * it, so the first reconciliation is finished at once instead of waiting for silence.
   */
  newFramework?: boolean;
  /**
   * Called after every step with the input, the state before and after, and the effects
   * (the admin API's history watches the core this way).
   */
  onStep?: (step: ObservedStep) => void;
  /** Deadline of each probe call; default 5000 ms. */
  probeTimeoutMs?: number;
  /** A `tick` at least this often, whatever timers the core armed; default 5000 ms. */
  tickMs?: number;
  /** Mutual TLS: members are launched with `https://` URLs and `tls` (see tls/scheme.ts). */
  tls?: boolean;
  /** Called with each executor's certificate request (a `csr` MESSAGE) and its sender. */
  onCertificateRequest?: (
    request: { agentId: string; executorId: string; data: Uint8Array },
  ) => void;
}

/** A running shell. */
export interface SchedulerShell {
  /**
   * Consumes the client's notices until they end (the client was closed). Rejects with the
   * client's error, e.g. a `FrameworkRemovedError`, when the master ended the framework.
   */
  run(): Promise<void>;
  /** Feeds one input (e.g. an admin request) behind those already queued. */
  push(input: Input): void;
  /**
   * An operator's reseed request: steps the core with it (behind the inputs already queued)
   * and resolves with the core's decision. Resolves refused when the shell is stopped.
   */
  requestReseed(): Promise<ReseedDecision>;
  /**
   * An operator's restore request (`POST /restore`): steps the core with it and resolves
   * with the core's decision, like {@linkcode SchedulerShell.requestReseed}.
   */
  requestRestore(backup: BackupRef, force: boolean): Promise<ReseedDecision>;
  /** An operator's resize (`POST /cluster-size`), decided by the core like a reseed. */
  requestResize(size: number): Promise<ReseedDecision>;
  /** An operator's rolling restart (`POST /rolling-restart`), decided by the core. */
  requestRollingRestart(spec: EtcdSpec): Promise<ReseedDecision>;
  /** An operator replaces a member elsewhere (`POST /members/<name>/replace`). */
  requestReplace(name: string): Promise<ReseedDecision>;
  /** The core state after the last step. */
  readonly state: State;
  stats(): Stats;
  members(): MemberView[];
  health(): HealthView;
  /** Stops feeding inputs and timers and waits for effects in flight. Idempotent. */
  stop(): Promise<void>;
}

/** The core's answer to an operator's reseed request. */
export interface ReseedDecision {
  accepted: boolean;
  /** What was decided, or why it was refused. */
  message: string;
}

/** Creates the shell; nothing happens until {@linkcode SchedulerShell.run}. */
export function createSchedulerShell(options: SchedulerShellOptions): SchedulerShell {
  return new Shell(options);
}

class Shell implements SchedulerShell {
  readonly #opts: SchedulerShellOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #queue: InputQueue<Input>;
  readonly #runner: EffectRunner;
  #state: State;
  #timer: number | undefined;
  #ticker: number | undefined;
  #stopped = false;
  #connectedBefore = false;
  #requests = 0;
  readonly #replies = new Map<number, (decision: ReseedDecision) => void>();

  constructor(options: SchedulerShellOptions) {
    this.#opts = options;
    this.#clock = options.clock ?? systemClock;
    this.#log = (options.logger ?? silentLogger).child({ component: "scheduler" });
    this.#state = initialState(options.core);
    this.#queue = new InputQueue<Input>({
      handle: (input) => this.#step(input),
      onError: (error, input) => {
        this.#log.error("step failed", { input: input.type, error });
        if (
          input.type === "admin" || input.type === "restore" || input.type === "resize" ||
          input.type === "rollingRestart" || input.type === "replaceMember"
        ) {
          this.#unanswered(input.requestId, `step failed: ${error}`);
        }
      },
    });
    this.#runner = new EffectRunner({
      call: (call) => options.client.call(call),
      etcd: options.etcd,
      feed: (input) => this.push(input),
      taskInfo: (member) =>
        buildTaskInfo(options.tls ? withTls(member) : member, {
          ...options.executor,
          frameworkId: this.#state.frameworkId,
        }),
      persistFrameworkId: options.persistFrameworkId,
      persistClusterSize: options.persistClusterSize,
      persistRollingRestart: options.persistRollingRestart,
      volumes: options.volumes,
      armTimer: (at) => this.#arm(at),
      adminReply: (requestId, decision) => this.#answer(requestId, decision),
      logger: this.#log,
      probeTimeoutMs: options.probeTimeoutMs,
    });
  }

  get state(): State {
    return this.#state;
  }

  stats(): Stats {
    return statsOf(this.#state);
  }

  members(): MemberView[] {
    return membersOf(this.#state);
  }

  health(): HealthView {
    return healthOf(this.#state);
  }

  push(input: Input): void {
    this.#queue.push(input);
  }

  requestReseed(): Promise<ReseedDecision> {
    if (this.#stopped) {
      return Promise.resolve({ accepted: false, message: "the scheduler is stopping" });
    }
    const requestId = ++this.#requests;
    const decided = new Promise<ReseedDecision>((resolve) => this.#replies.set(requestId, resolve));
    this.push({ type: "admin", action: "reseed", requestId });
    return decided;
  }

  requestResize(size: number): Promise<ReseedDecision> {
    if (this.#stopped) {
      return Promise.resolve({ accepted: false, message: "the scheduler is stopping" });
    }
    const requestId = ++this.#requests;
    const decided = new Promise<ReseedDecision>((resolve) => this.#replies.set(requestId, resolve));
    this.push({ type: "resize", size, requestId });
    return decided;
  }

  requestReplace(name: string): Promise<ReseedDecision> {
    if (this.#stopped) {
      return Promise.resolve({ accepted: false, message: "the scheduler is stopping" });
    }
    const requestId = ++this.#requests;
    const decided = new Promise<ReseedDecision>((resolve) => this.#replies.set(requestId, resolve));
    this.push({ type: "replaceMember", name, requestId });
    return decided;
  }

  requestRollingRestart(spec: EtcdSpec): Promise<ReseedDecision> {
    if (this.#stopped) {
      return Promise.resolve({ accepted: false, message: "the scheduler is stopping" });
    }
    const requestId = ++this.#requests;
    const decided = new Promise<ReseedDecision>((resolve) => this.#replies.set(requestId, resolve));
    this.push({ type: "rollingRestart", spec, requestId });
    return decided;
  }

  requestRestore(backup: BackupRef, force: boolean): Promise<ReseedDecision> {
    if (this.#stopped) {
      return Promise.resolve({ accepted: false, message: "the scheduler is stopping" });
    }
    const requestId = ++this.#requests;
    const decided = new Promise<ReseedDecision>((resolve) => this.#replies.set(requestId, resolve));
    this.push({ type: "restore", source: "admin", backup, force, requestId });
    return decided;
  }

  /** Returns the decision on a pending admin request. */
  #answer(requestId: number | undefined, decision: ReseedDecision): void {
    if (requestId === undefined) return;
    this.#replies.get(requestId)?.(decision);
    this.#replies.delete(requestId);
  }

  /** Answers a pending reseed request that the core will not answer. */
  #unanswered(requestId: number | undefined, message: string): void {
    this.#answer(requestId, { accepted: false, message });
  }

  async run(): Promise<void> {
    this.#scheduleTick();
    for await (const notice of this.#opts.client) this.#onNotice(notice);
  }

  async stop(): Promise<void> {
    if (!this.#stopped) {
      this.#stopped = true;
      this.#queue.close();
      for (const id of [...this.#replies.keys()]) this.#unanswered(id, "the scheduler is stopping");
      if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
      if (this.#ticker !== undefined) this.#clock.clearTimeout(this.#ticker);
      this.#timer = this.#ticker = undefined;
    }
    await this.#runner.idle();
  }

  #step(input: Input): void {
    const before = this.#state;
    const at = this.#clock.now();
    const { state, effects } = step(before, input, at);
    this.#state = state;
    for (const effect of effects) this.#runner.run(effect);
    if (
      input.type === "admin" || input.type === "restore" || input.type === "resize" ||
      input.type === "rollingRestart"
    ) {
      this.#unanswered(input.requestId, "the core gave no answer");
    }
    try {
      this.#opts.onStep?.({ input, before, after: state, effects, at });
    } catch (error) {
      this.#log.error("onStep failed", { input: input.type, error });
    }
  }

  #onNotice(notice: SchedulerNotice): void {
    if (notice.type === "connected") {
      const newFramework = this.#opts.newFramework === true && !this.#connectedBefore;
      this.push({ type: "subscribed", frameworkId: notice.frameworkId, newFramework });
      this.#connectedBefore = true;
    } else if (notice.type === "disconnected") {
      this.push({ type: "disconnected", reason: notice.reason });
    } else {
      this.#onEvent(notice.event);
    }
  }

  #onEvent(event: SchedulerEvent): void {
    const meaning = inputsOfEvent(event);
    for (const input of meaning.inputs) this.push(input);
    if (meaning.unreadable !== undefined) {
      const { what, error, fields } = meaning.unreadable;
      this.#log.warn(what, { ...fields, error });
    }
    if (meaning.error !== undefined) {
      this.#log.error("master sent ERROR", { message: meaning.error });
    }
    if (meaning.certificateRequest !== undefined) {
      if (this.#opts.onCertificateRequest) {
        this.#opts.onCertificateRequest(meaning.certificateRequest);
      } else {
        this.#log.warn("certificate request ignored: the scheduler runs without --tls", {
          executor: meaning.certificateRequest.executorId,
        });
      }
    }
  }

  /** One timer for the core: a tick at `at` (a millisecond late, so `now >= at`). */
  #arm(at: number): void {
    if (this.#stopped) return;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    const delay = Math.max(0, at - this.#clock.now()) + 1;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.push({ type: "tick" });
    }, delay);
  }

  /** A periodic tick as a safety net for anything that armed no timer. */
  #scheduleTick(): void {
    if (this.#stopped || this.#ticker !== undefined) return;
    this.#ticker = this.#clock.setTimeout(() => {
      this.#ticker = undefined;
      this.push({ type: "tick" });
      this.#scheduleTick();
    }, this.#opts.tickMs ?? 5_000);
  }
}
