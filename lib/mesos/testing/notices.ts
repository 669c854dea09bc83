/**
 * Reading a client's notices in tests: the next one that matches, within a deadline, on the
 * project's one {@linkcode until}. Test-only.
 *
 * @module
 */
import { until } from "../../until.ts";

/** Options of {@linkcode nextMatching}. */
export interface NextMatchingOptions<T> {
  /** For the whole search (default 5000 ms). */
  timeoutMs?: number;
  /** Every notice read is appended here, matching or not. */
  seen?: T[];
}

/**
 * Reads `it` until a notice satisfies `pred` and resolves with it. Rejects at once with the
 * iterator's error, with `notices ended` when it ends, and with a timeout error naming the
 * wait after `timeoutMs`.
 */
export async function nextMatching<T>(
  it: AsyncIterator<T>,
  pred: (notice: T) => boolean,
  options: NextMatchingOptions<T> = {},
): Promise<T> {
  const found = await until(async () => {
    const r = await it.next();
    if (r.done) throw new Error("notices ended");
    options.seen?.push(r.value);
    return pred(r.value) ? { notice: r.value } : undefined;
  }, {
    timeoutMs: options.timeoutMs ?? 5000,
    what: "a matching notice",
    intervalMs: 0,
    stopOn: () => true,
  });
  return found.notice;
}
