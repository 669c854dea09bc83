/**
 * The chaos run's stall figures: the longest period without an acknowledged write, and the
 * longest period the scheduler did not say "healthy" (`/healthz` 200; no answer counts as
 * not healthy), both compared with the core's liveness bound for the run's scheduler flags
 * (`livenessBoundMs` of scheduler/core/liveness.ts). The computations are pure; the sampler
 * polls `/healthz`.
 *
 * @module
 */
import { coreOptionsOf, parseConfig } from "../../scheduler/config.ts";
import { livenessBoundMs } from "../../scheduler/core/liveness.ts";
import { initialState } from "../../scheduler/core/state.ts";

/** A period, in ms since the epoch. */
export interface Stall {
  from: number;
  to: number;
}

/** Its length in seconds. */
export const stallSeconds = (s: Stall): number => (s.to - s.from) / 1000;

/**
 * The longest gap between two consecutive instants of `times` (ascending), counting the gap
 * from `start` to the first and from the last to `end`.
 */
export function longestGap(times: readonly number[], start: number, end: number): Stall {
  let best: Stall = { from: start, to: start };
  let prev = start;
  for (const t of [...times.filter((t) => t >= start && t <= end), end]) {
    if (t - prev > best.to - best.from) best = { from: prev, to: t };
    prev = Math.max(prev, t);
  }
  return best;
}

/** One `/healthz` sample. */
export interface HealthSample {
  at: number;
  healthy: boolean;
}

/**
 * The longest period not healthy: from the last healthy sample before a run of unhealthy
 * ones (or the first sample) to the next healthy sample (or `end`). Undefined when every
 * sample was healthy.
 */
export function longestUnhealthy(
  samples: readonly HealthSample[],
  end: number,
): Stall | undefined {
  let best: Stall | undefined;
  let lastHealthy = samples[0]?.at;
  let inStall = false;
  for (const s of samples) {
    if (s.healthy) {
      if (inStall && lastHealthy !== undefined) {
        if (best === undefined || s.at - lastHealthy > best.to - best.from) {
          best = { from: lastHealthy, to: s.at };
        }
      }
      inStall = false;
      lastHealthy = s.at;
    } else {
      inStall = true;
    }
  }
  if (inStall && lastHealthy !== undefined) {
    if (best === undefined || end - lastHealthy > best.to - best.from) {
      best = { from: lastHealthy, to: end };
    }
  }
  return best;
}

/** The liveness bound (ms) of a scheduler started with `args`. */
export function livenessBoundOf(args: readonly string[]): number {
  return livenessBoundMs(initialState(coreOptionsOf(parseConfig(args, {}))).options);
}

/** Samples `/healthz` every `intervalMs` until stopped. */
export function startHealthSampler(
  healthy: () => Promise<boolean>,
  intervalMs = 500,
): { samples: HealthSample[]; stop(): Promise<HealthSample[]> } {
  const samples: HealthSample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const t0 = Date.now();
      const ok = await healthy().catch(() => false);
      samples.push({ at: t0, healthy: ok });
      await new Promise((r) => setTimeout(r, Math.max(0, intervalMs - (Date.now() - t0))));
    }
  })();
  return {
    samples,
    async stop() {
      running = false;
      await loop;
      return samples;
    },
  };
}
