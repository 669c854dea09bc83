/**
 * Rate limiting of destructive steps: at most one per interval. Pure functions over the
 * time of the last step, so the core stays deterministic.
 *
 * @module
 */

/**
 * Milliseconds to wait before the next destructive step is allowed: 0 when allowed now.
 *
 * @throws {RangeError} naming `intervalMs` when it is negative or not finite.
 */
export function destructiveWait(
  lastAt: number | undefined,
  now: number,
  intervalMs: number,
): number {
  if (!Number.isFinite(intervalMs) || intervalMs < 0) {
    throw new RangeError(`Cannot rate-limit with interval ${intervalMs} ms: expected >= 0`);
  }
  if (lastAt === undefined) return 0;
  return Math.max(0, lastAt + intervalMs - now);
}

/** True when a destructive step is allowed at `now`. */
export function destructiveAllowed(
  lastAt: number | undefined,
  now: number,
  intervalMs: number,
): boolean {
  return destructiveWait(lastAt, now, intervalMs) === 0;
}
