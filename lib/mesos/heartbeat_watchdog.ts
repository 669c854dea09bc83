/**
 * Detects a silent event stream: Mesos sends a HEARTBEAT every
 * `heartbeat_interval_seconds`, so no record for several intervals means the
 * connection is dead even if the socket looks open.
 *
 * @module
 */
import type { Clock } from "../clock.ts";

/** Options for {@linkcode HeartbeatWatchdog}. */
export interface HeartbeatWatchdogOptions {
  /** Expected gap between records in ms (Mesos' default: 15000). */
  intervalMs?: number;
  /** How many intervals may pass without a record before `onTimeout` (default 5). */
  missed?: number;
}

/**
 * A one-shot timer that {@linkcode HeartbeatWatchdog.reset} pushes back; calls
 * `onTimeout` once if it ever runs out. Reset it on every record received.
 */
export class HeartbeatWatchdog {
  readonly #clock: Clock;
  readonly #onTimeout: (silentMs: number) => void;
  readonly #missed: number;
  #intervalMs: number;
  #timer: number | undefined;
  #stopped = false;

  /** Arms the timer at once. @throws {RangeError} naming a bad interval or count. */
  constructor(
    clock: Clock,
    onTimeout: (silentMs: number) => void,
    options: HeartbeatWatchdogOptions = {},
  ) {
    this.#clock = clock;
    this.#onTimeout = onTimeout;
    this.#missed = options.missed ?? 5;
    this.#intervalMs = checkInterval(options.intervalMs ?? 15_000);
    if (!(this.#missed > 0)) {
      throw new RangeError(`Cannot use missed heartbeats ${this.#missed}: expected > 0`);
    }
    this.#arm();
  }

  /** Milliseconds of silence that trigger the timeout. */
  get timeoutMs(): number {
    return this.#intervalMs * this.#missed;
  }

  /** Changes the interval (from SUBSCRIBED) and restarts the countdown. */
  setInterval(intervalMs: number): void {
    this.#intervalMs = checkInterval(intervalMs);
    this.reset();
  }

  /** A record arrived: restart the countdown. */
  reset(): void {
    if (this.#stopped) return;
    this.#arm();
  }

  /** Disarms for good (idempotent). */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm() {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    // Longer delays overflow the platform's 32-bit timers and fire at once.
    const timeout = Math.min(this.timeoutMs, MAX_TIMER_MS);
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#stopped = true;
      this.#onTimeout(timeout);
    }, timeout);
  }
}

/** The longest delay `setTimeout` honours (2^31 - 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

function checkInterval(ms: number): number {
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new RangeError(`Cannot use heartbeat interval ${ms} ms: expected a number > 0`);
  }
  return ms;
}
