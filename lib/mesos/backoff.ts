/**
 * Exponential backoff for reconnect loops, and a clock-driven wait that an
 * `AbortSignal` can cut short.
 *
 * @module
 */
import type { Clock } from "../clock.ts";

/** Options for {@linkcode Backoff}. */
export interface BackoffOptions {
  /** First delay in ms (default 500). */
  minMs?: number;
  /** Largest delay in ms (default 15000). */
  maxMs?: number;
  /** Growth per attempt (default 2). */
  factor?: number;
  /**
   * Fraction of each delay that is randomised (0 = none, the default; 0.5 = each delay
   * falls in [d/2, d]).
   */
  jitter?: number;
  /** Random source in [0, 1); default `Math.random`. */
  random?: () => number;
}

/** Delays of `minMs`, `minMs·factor`, … capped at `maxMs`, until {@linkcode Backoff.reset}. */
export class Backoff {
  readonly #min: number;
  readonly #max: number;
  readonly #factor: number;
  readonly #jitter: number;
  readonly #random: () => number;
  #attempt = 0;

  /** @throws {RangeError} naming the bad option. */
  constructor(options: BackoffOptions = {}) {
    this.#min = options.minMs ?? 500;
    this.#max = options.maxMs ?? 15_000;
    this.#factor = options.factor ?? 2;
    this.#jitter = options.jitter ?? 0;
    this.#random = options.random ?? Math.random;
    if (!Number.isFinite(this.#min) || this.#min < 0) {
      throw new RangeError(`Cannot use backoff minMs ${this.#min}: expected a number >= 0`);
    }
    if (!Number.isFinite(this.#max) || this.#max < this.#min) {
      throw new RangeError(`Cannot use backoff maxMs ${this.#max}: expected >= minMs ${this.#min}`);
    }
    if (!(this.#factor >= 1)) {
      throw new RangeError(`Cannot use backoff factor ${this.#factor}: expected >= 1`);
    }
    if (!(this.#jitter >= 0 && this.#jitter <= 1)) {
      throw new RangeError(`Cannot use backoff jitter ${this.#jitter}: expected 0..1`);
    }
  }

  /** How many delays were handed out since the last reset. */
  get attempts(): number {
    return this.#attempt;
  }

  /** The next delay in ms; each call grows the following one. */
  next(): number {
    const base = Math.min(this.#max, this.#min * this.#factor ** this.#attempt);
    this.#attempt++;
    return base * (1 - this.#jitter * this.#random());
  }

  /** Starts again from `minMs` (call after a successful connection). */
  reset(): void {
    this.#attempt = 0;
  }
}

/** The reason a wait was cut short: `signal.reason`, or a generic AbortError. */
function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The wait was aborted", "AbortError");
}

/**
 * Resolves after `ms` on `clock`; rejects with the abort reason as soon as `signal`
 * aborts (the timer is cleared, so nothing is left pending).
 */
export function waitFor(ms: number, clock: Clock, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clock.clearTimeout(id);
      reject(abortReason(signal!));
    };
    const id = clock.setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
