/**
 * A small HTTP load driver for the admin API: a fixed number of requests or a duration, as
 * fast as `concurrency` allows or paced at `ratePerSecond`, recording each status and
 * latency. Used by the admin burst test and `scripts/bench_admin.ts`. Test and bench
 * support.
 *
 * @module
 */

/** One request to make: the `i`-th of the run. */
export interface LoadRequest {
  url: string;
  init?: RequestInit;
}

/** Options of {@linkcode runLoad}. */
export interface LoadOptions {
  /** Builds request `i` (0-based). */
  request: (i: number) => LoadRequest;
  /** Requests in flight at most. */
  concurrency: number;
  /** Stop after this many requests... */
  total?: number;
  /** ...or after this long (one of the two is required). */
  durationMs?: number;
  /** Start at most this many requests per second (default: no pacing). */
  ratePerSecond?: number;
  /** Called with each answer (index, request, status, body text); it must not throw. */
  onResponse?: (i: number, req: LoadRequest, status: number, body: string) => void;
}

/** What a run measured. */
export interface LoadResult {
  requests: number;
  /** Requests that failed without an HTTP answer (connection errors). */
  errors: number;
  /** Responses per status code. */
  statuses: Record<number, number>;
  elapsedMs: number;
  /** Achieved requests per second. */
  rate: number;
  /** Latency percentiles in milliseconds. */
  latencyMs: { min: number; p50: number; p95: number; p99: number; max: number };
  /** The first few connection errors, for the report. */
  errorSamples: string[];
}

/** The `q`-quantile (0..1) of sorted `values`. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

/**
 * Runs the load and resolves with the figures.
 *
 * @throws {RangeError} naming the option when neither `total` nor `durationMs` is a positive
 * number, or `concurrency` is not a positive integer.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { concurrency, total, durationMs, ratePerSecond } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`Cannot run load with concurrency ${concurrency}: expected >= 1`);
  }
  if (!(total! > 0) && !(durationMs! > 0)) {
    throw new RangeError(`Cannot run load: expected total or durationMs > 0`);
  }
  const started = performance.now();
  const stopAt = durationMs ? started + durationMs : Infinity;
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  const errorSamples: string[] = [];
  let next = 0;
  let errors = 0;

  const claim = async (): Promise<number | undefined> => {
    if (total !== undefined && next >= total) return undefined;
    if (performance.now() >= stopAt) return undefined;
    const i = next++;
    if (ratePerSecond) {
      const due = started + (i * 1000) / ratePerSecond;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (performance.now() >= stopAt) return undefined;
    }
    return i;
  };

  const worker = async () => {
    for (let i = await claim(); i !== undefined; i = await claim()) {
      const req = options.request(i);
      const t0 = performance.now();
      let answer: { status: number; body: string };
      try {
        const res = await fetch(req.url, req.init);
        answer = { status: res.status, body: await res.text() };
      } catch (e) {
        errors++;
        if (errorSamples.length < 5) errorSamples.push(String(e));
        continue;
      }
      latencies.push(performance.now() - t0);
      statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
      options.onResponse?.(i, req, answer.status, answer.body);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedMs = performance.now() - started;
  latencies.sort((a, b) => a - b);
  const requests = latencies.length + errors;
  return {
    requests,
    errors,
    statuses,
    elapsedMs,
    rate: requests / (elapsedMs / 1000),
    latencyMs: {
      min: latencies[0] ?? 0,
      p50: quantile(latencies, 0.5),
      p95: quantile(latencies, 0.95),
      p99: quantile(latencies, 0.99),
      max: latencies.at(-1) ?? 0,
    },
    errorSamples,
  };
}
