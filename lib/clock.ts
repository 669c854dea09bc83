/**
 * An injectable clock: wall time plus one-shot timers. Production code uses
 * {@linkcode systemClock}; tests use {@linkcode FakeClock} and advance time by
 * hand instead of sleeping.
 *
 * @module
 */

/** Wall time and one-shot timers. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `fn` once after `ms` milliseconds; returns an id for {@linkcode Clock.clearTimeout}. */
  setTimeout(fn: () => void, ms: number): number;
  /** Cancels a timer; unknown or already fired ids are ignored. */
  clearTimeout(id: number): void;
}

/** The real clock: `Date.now` and the global timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  // Deno's timers return numbers; the cast only quiets Node's typings when present.
  setTimeout: (fn, ms) => setTimeout(fn, ms) as unknown as number,
  clearTimeout: (id) => clearTimeout(id),
};

interface FakeTimer {
  id: number;
  due: number;
  fn: () => void;
}

/**
 * A manual clock for tests. Time moves only when {@linkcode FakeClock.advance}
 * is called, which fires due timers in order of due time (ties in the order
 * they were set), with `now()` equal to each timer's due time while it runs.
 *
 * @example
 * ```ts
 * const clock = new FakeClock(1000);
 * clock.setTimeout(() => console.log(clock.now()), 50);
 * clock.advance(100); // logs 1050; clock.now() is then 1100
 * ```
 */
export class FakeClock implements Clock {
  #now: number;
  #nextId = 1;
  #timers: FakeTimer[] = [];

  /** Starts at `startMs` milliseconds since the epoch (default 0). */
  constructor(startMs = 0) {
    if (!Number.isFinite(startMs)) {
      throw new RangeError(`Cannot start a FakeClock at ${startMs}: expected a finite number`);
    }
    this.#now = startMs;
  }

  /** The current fake time. */
  now(): number {
    return this.#now;
  }

  /** Schedules `fn` at `now() + ms`; negative or non-finite delays count as 0. */
  setTimeout(fn: () => void, ms: number): number {
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const id = this.#nextId++;
    this.#timers.push({ id, due: this.#now + delay, fn });
    return id;
  }

  /** Cancels a pending timer. */
  clearTimeout(id: number): void {
    this.#timers = this.#timers.filter((t) => t.id !== id);
  }

  /** How many timers are waiting to fire. */
  get pending(): number {
    return this.#timers.length;
  }

  /** Milliseconds until the next timer is due, or `undefined` when none is set. */
  nextTimerDelay(): number | undefined {
    const next = this.#next();
    return next === undefined ? undefined : next.due - this.#now;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way,
   * including timers set by those callbacks. Returns how many fired.
   *
   * @throws {RangeError} naming `ms` when it is negative or not finite.
   */
  advance(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`Cannot advance a FakeClock by ${ms} ms: expected a finite number >= 0`);
    }
    const target = this.#now + ms;
    let fired = 0;
    for (let t = this.#next(); t !== undefined && t.due <= target; t = this.#next()) {
      this.#timers = this.#timers.filter((x) => x !== t);
      this.#now = t.due;
      fired++;
      t.fn();
    }
    this.#now = target;
    return fired;
  }

  /** Advances to the next timer and fires everything due then; returns how many fired. */
  runNext(): number {
    const delay = this.nextTimerDelay();
    return delay === undefined ? 0 : this.advance(delay);
  }

  #next(): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const t of this.#timers) {
      if (best === undefined || t.due < best.due || (t.due === best.due && t.id < best.id)) {
        best = t;
      }
    }
    return best;
  }
}
