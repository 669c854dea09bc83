/**
 * Decides when the master has answered a reconciliation, so the shell can feed the core's
 * `reconcileDone` input. Mesos sends no end marker: explicit reconciliation is done when every
 * asked task has had a status update; implicit reconciliation (every task the master knows)
 * when updates have stopped arriving for a settle period. A task that never answers (an agent
 * still recovering after a master failover) is given up on after `maxWaitMs`.
 *
 * @module
 */
import { type Clock, systemClock } from "../lib/clock.ts";
import { type Logger, silentLogger } from "../lib/log.ts";

/** Options of {@linkcode ReconcileTracker}. */
export interface ReconcileTrackerOptions {
  /** Called once per reconciliation round when it is over. */
  onDone: (outcome: { unanswered: string[] }) => void;
  /** Quiet time after the last update before the round counts as answered; default 1000. */
  settleMs?: number;
  /** Longest wait for the round; default 15000. */
  maxWaitMs?: number;
  clock?: Clock;
  logger?: Logger;
}

/** Tracks one reconciliation round at a time. */
export class ReconcileTracker {
  readonly #onDone: ReconcileTrackerOptions["onDone"];
  readonly #settleMs: number;
  readonly #maxWaitMs: number;
  readonly #clock: Clock;
  readonly #log: Logger;
  #pending = new Set<string>();
  #active = false;
  #startedAt = 0;
  #lastActivity = 0;
  #timer: number | undefined;

  constructor(options: ReconcileTrackerOptions) {
    this.#onDone = options.onDone;
    this.#settleMs = options.settleMs ?? 1000;
    this.#maxWaitMs = options.maxWaitMs ?? 15_000;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.logger ?? silentLogger;
  }

  /** True while a round waits for answers. */
  get active(): boolean {
    return this.#active;
  }

  /** Task ids asked about that have not answered yet. */
  get pending(): string[] {
    return [...this.#pending];
  }

  /** A RECONCILE was sent for `taskIds` (empty: implicit); starts or extends the round. */
  begin(taskIds: readonly string[]): void {
    const now = this.#clock.now();
    if (!this.#active) {
      this.#active = true;
      this.#startedAt = now;
    }
    for (const id of taskIds) this.#pending.add(id);
    this.#lastActivity = now;
    this.#arm();
  }

  /** A status update arrived for `taskId`. */
  onStatus(taskId: string): void {
    if (!this.#active) return;
    this.#pending.delete(taskId);
    this.#lastActivity = this.#clock.now();
    this.#arm();
  }

  /** Abandons the round without reporting it (the subscription ended). */
  cancel(): void {
    this.#active = false;
    this.#pending.clear();
    this.#clear();
  }

  #clear(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(): void {
    this.#clear();
    const now = this.#clock.now();
    const settleAt = this.#lastActivity + this.#settleMs;
    const giveUpAt = this.#startedAt + this.#maxWaitMs;
    const at = this.#pending.size === 0 ? Math.min(settleAt, giveUpAt) : giveUpAt;
    this.#timer = this.#clock.setTimeout(() => this.#check(), Math.max(0, at - now));
  }

  #check(): void {
    this.#timer = undefined;
    if (!this.#active) return;
    const now = this.#clock.now();
    const timedOut = now >= this.#startedAt + this.#maxWaitMs;
    const settled = this.#pending.size === 0 && now >= this.#lastActivity + this.#settleMs;
    if (!timedOut && !settled) return this.#arm();
    const unanswered = [...this.#pending];
    if (unanswered.length > 0) {
      this.#log.warn("reconciliation unanswered; going on without", {
        tasks: unanswered.join(","),
        waitedMs: now - this.#startedAt,
      });
    }
    this.cancel();
    this.#onDone({ unanswered });
  }
}
