/**
 * Decides when the master has answered a reconciliation, so the shell can feed the core's
 * `reconcileDone` input. Mesos sends no end marker: explicit reconciliation is done when every
 * asked task has had a status update; implicit reconciliation (every task the master knows)
 * when updates have stopped arriving for a settle period.
 *
 * A newly elected master says nothing about tasks on agents that have not re-registered yet,
 * so the tasks still unanswered are asked about again (`resend`) with backoff — 1 s doubling
 * up to 30 s by default — until each has answered. The master answers at the latest when it
 * gives up on the agent (its `agent_reregister_timeout`, 10 min by default). Until then the
 * scheduler stays Immutable, as the original did; `maxWaitMs` can bound that wait.
 *
 * @module
 */
import { type Clock, systemClock } from "../lib/clock.ts";
import { type Logger, silentLogger } from "../lib/log.ts";
import { Backoff } from "../lib/mesos/backoff.ts";

/** Options of {@linkcode ReconcileTracker}. */
export interface ReconcileTrackerOptions {
  /** Called once per reconciliation round when it is over. */
  onDone: (outcome: { unanswered: string[] }) => void;
  /** Quiet time after the last update before the round counts as answered; default 1000. */
  settleMs?: number;
  /**
   * Asks the master again about these unanswered tasks (an explicit RECONCILE, which should
   * come back through {@linkcode ReconcileTracker.begin}). Without it nothing is re-sent.
   */
  resend?: (taskIds: string[]) => void;
  /** Delays between re-sends: default 1000 ms doubling up to 30000 ms. */
  retry?: { minMs?: number; maxMs?: number };
  /** Longest wait for the round before going on without the answers; default: no limit. */
  maxWaitMs?: number;
  clock?: Clock;
  logger?: Logger;
}

/** Tracks one reconciliation round at a time. */
export class ReconcileTracker {
  readonly #onDone: ReconcileTrackerOptions["onDone"];
  readonly #resend: ReconcileTrackerOptions["resend"];
  readonly #backoff: Backoff;
  readonly #settleMs: number;
  readonly #maxWaitMs: number;
  readonly #clock: Clock;
  readonly #log: Logger;
  #pending = new Set<string>();
  #active = false;
  #startedAt = 0;
  #lastActivity = 0;
  #retryAt = Infinity;
  #timer: number | undefined;

  constructor(options: ReconcileTrackerOptions) {
    this.#onDone = options.onDone;
    this.#resend = options.resend;
    this.#backoff = new Backoff({
      minMs: options.retry?.minMs ?? 1000,
      maxMs: options.retry?.maxMs ?? 30_000,
    });
    this.#settleMs = options.settleMs ?? 1000;
    this.#maxWaitMs = options.maxWaitMs ?? Infinity;
    if (!(this.#maxWaitMs > 0)) {
      throw new RangeError(`Cannot wait ${this.#maxWaitMs} ms for reconciliation: expected > 0`);
    }
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
      this.#backoff.reset();
      this.#retryAt = Infinity;
    }
    if (this.#retryAt === Infinity && this.#resend !== undefined) {
      this.#retryAt = now + this.#backoff.next();
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
    const at = this.#pending.size === 0
      ? Math.min(settleAt, giveUpAt)
      : Math.min(this.#retryAt, giveUpAt);
    if (at === Infinity) return;
    this.#timer = this.#clock.setTimeout(() => this.#check(), Math.max(0, at - now));
  }

  #check(): void {
    this.#timer = undefined;
    if (!this.#active) return;
    const now = this.#clock.now();
    const timedOut = now >= this.#startedAt + this.#maxWaitMs;
    const settled = this.#pending.size === 0 && now >= this.#lastActivity + this.#settleMs;
    if (!timedOut && !settled && this.#pending.size > 0 && now >= this.#retryAt) {
      const tasks = [...this.#pending];
      const delayMs = this.#backoff.next();
      this.#retryAt = now + delayMs;
      this.#log.warn("reconciliation unanswered; asking the master again", {
        tasks: tasks.join(","),
        attempt: this.#backoff.attempts - 1,
        waitedMs: now - this.#startedAt,
        nextInMs: delayMs,
      });
      this.#resend?.(tasks);
      if (!this.#active) return;
    }
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
