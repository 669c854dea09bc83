/**
 * The one polling wait of the project: call a predicate until it yields a value, within a
 * deadline, and fail naming what was awaited. Used by the tests, the test fixtures, the
 * launcher, the chaos run and the benchmarks alike.
 *
 * @example
 * ```ts
 * const members = await until(async () => {
 *   const ms = await admin.members();
 *   return ms.length === 3 ? ms : undefined;
 * }, { timeoutMs: 30_000, what: "three members" });
 * ```
 *
 * @module
 */

/** Options of {@linkcode until}. */
export interface UntilOptions {
  /** Give up after this many milliseconds. */
  timeoutMs: number;
  /** What is awaited, for the timeout error (`timed out after … waiting for <what>`). */
  what: string;
  /** Pause between two calls of the predicate (default 250 ms; 0 for none). */
  intervalMs?: number;
  /**
   * Errors for which this returns true end the wait at once (rethrown). Every other error
   * the predicate throws counts as "not yet" and becomes the timeout error's `cause`.
   */
  stopOn?: (error: unknown) => boolean;
  /** Aborting it ends the wait at once (even mid-call or mid-pause) with its reason. */
  signal?: AbortSignal;
}

/** The value the predicate yielded is not there yet. */
type NotYet = undefined | false;

/** The wait timed out; `cause` is the predicate's last error, if it threw. */
export class UntilTimeoutError extends Error {
  /** What was awaited. */
  readonly what: string;
  constructor(what: string, timeoutMs: number, cause: unknown) {
    super(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause });
    this.name = "UntilTimeoutError";
    this.what = what;
  }
}

const TIMED_OUT = Symbol("timed out");
const ABORTED = Symbol("aborted");
/** Longer timers fire at once (they overflow a signed 32-bit millisecond count). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Calls `predicate` until it returns (or resolves to) a value other than `undefined` or
 * `false`, and resolves with that value. A call still pending at the deadline is not
 * waited for: the wait fails on time whatever the predicate does.
 *
 * @throws {UntilTimeoutError} after `timeoutMs`, naming `what`.
 */
export async function until<T>(
  predicate: () => T | NotYet | Promise<T | NotYet>,
  options: UntilOptions,
): Promise<T> {
  const { timeoutMs, what } = options;
  const interval = options.intervalMs ?? 250;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  const signal = options.signal;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const expired = new Promise<typeof TIMED_OUT>((resolve) => {
    if (timeoutMs <= MAX_TIMER_MS) {
      timer = setTimeout(() => resolve(TIMED_OUT), Math.max(0, timeoutMs));
    }
  });
  const aborted = new Promise<typeof ABORTED>((resolve) => {
    onAbort = () => resolve(ABORTED);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
  const pause = (ms: number) => {
    let t: ReturnType<typeof setTimeout> | undefined;
    return Promise.race([
      new Promise<void>((r) => t = setTimeout(r, Math.min(ms, MAX_TIMER_MS))),
      aborted,
    ]).finally(() => clearTimeout(t));
  };
  try {
    for (;;) {
      if (signal?.aborted) throw signal.reason;
      try {
        const v = await Promise.race([Promise.resolve().then(predicate), expired, aborted]);
        if (v === ABORTED) throw signal!.reason;
        if (v === TIMED_OUT) break;
        if (v !== undefined && v !== false) return v as T;
      } catch (error) {
        if (signal?.aborted || options.stopOn?.(error)) throw error;
        last = error;
      }
      const left = deadline - Date.now();
      if (left <= 0) break;
      await pause(Math.min(interval, left));
    }
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener("abort", onAbort);
  }
  throw new UntilTimeoutError(what, timeoutMs, last);
}
