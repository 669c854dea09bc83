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
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), Math.max(0, timeoutMs));
  });
  try {
    for (;;) {
      try {
        const v = await Promise.race([Promise.resolve().then(predicate), expired]);
        if (v === TIMED_OUT) break;
        if (v !== undefined && v !== false) return v as T;
      } catch (error) {
        if (options.stopOn?.(error)) throw error;
        last = error;
      }
      const left = deadline - Date.now();
      if (left <= 0) break;
      await new Promise((r) => setTimeout(r, Math.min(interval, left)));
    }
  } finally {
    clearTimeout(timer);
  }
  throw new UntilTimeoutError(what, timeoutMs, last);
}
