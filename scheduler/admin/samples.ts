/**
 * What the probes measured, for the admin API: each member's latest raft index, db size and
 * in-use size (`/members`, `/metrics`, maintenance), and a ring of samples over the last
 * hour for the status page's charts. Built by watching the core's probe inputs (the shell's
 * `onStep`), like the history; it starts empty in every process.
 *
 * @example
 * ```ts
 * const samples = new ClusterSamples();
 * createSchedulerShell({ ..., onStep: (s) => samples.observe(s) });
 * samples.latest().get("etcd-1")?.dbSize;
 * samples.samples(); // [{ at, members: { "etcd-1": { raftIndex, dbSize, dbSizeInUse } } }, …]
 * ```
 *
 * @module
 */
import type { ObservedStep } from "./history.ts";

/** One member in one sample. */
export interface MemberSample {
  raftIndex?: number;
  dbSize?: number;
  dbSizeInUse?: number;
}

/** The members measured by one probe. */
export interface Sample {
  /** ms since the epoch. */
  at: number;
  members: Record<string, MemberSample>;
}

/** A member's latest measurements. */
export interface LatestMeasure {
  /** When the member last answered. */
  at: number;
  /** Whether it answered the last probe. */
  reachable: boolean;
  raftIndex?: string;
  dbSize?: number;
  dbSizeInUse?: number;
}

/** Options of {@linkcode ClusterSamples}. */
export interface ClusterSamplesOptions {
  /** How far back samples are kept; default one hour. */
  windowMs?: number;
  /** Least time between two kept samples; default 15 s (240 an hour). */
  everyMs?: number;
}

/** The probes' measurements; see the module comment. */
export class ClusterSamples {
  readonly #windowMs: number;
  readonly #everyMs: number;
  readonly #samples: Sample[] = [];
  readonly #latest = new Map<string, LatestMeasure>();

  constructor(options: ClusterSamplesOptions = {}) {
    this.#windowMs = options.windowMs ?? 3_600_000;
    this.#everyMs = options.everyMs ?? 15_000;
  }

  /** Takes in one core step; only probe answers matter. */
  observe(step: ObservedStep): void {
    const { input, at } = step;
    if (input.type !== "probe") return;
    const members: Record<string, MemberSample> = {};
    for (const r of input.results) {
      const last = this.#latest.get(r.name);
      if (!r.reachable) {
        if (last !== undefined) last.reachable = false;
        continue;
      }
      const raftIndex = r.raftIndex === undefined ? undefined : String(r.raftIndex);
      this.#latest.set(r.name, {
        at,
        reachable: true,
        ...(raftIndex === undefined ? {} : { raftIndex }),
        ...(r.dbSize === undefined ? {} : { dbSize: r.dbSize }),
        ...(r.dbSizeInUse === undefined ? {} : { dbSizeInUse: r.dbSizeInUse }),
      });
      members[r.name] = {
        ...(raftIndex === undefined ? {} : { raftIndex: Number(raftIndex) }),
        ...(r.dbSize === undefined ? {} : { dbSize: r.dbSize }),
        ...(r.dbSizeInUse === undefined ? {} : { dbSizeInUse: r.dbSizeInUse }),
      };
    }
    const names = new Set(input.results.map((r) => r.name));
    for (const name of this.#latest.keys()) if (!names.has(name)) this.#latest.delete(name);
    const previous = this.#samples.at(-1);
    if (previous === undefined || at - previous.at >= this.#everyMs) {
      this.#samples.push({ at, members });
    }
    while (this.#samples.length > 0 && this.#samples[0]!.at < at - this.#windowMs) {
      this.#samples.shift();
    }
  }

  /** Each probed member's latest measurements, by name. */
  latest(): ReadonlyMap<string, LatestMeasure> {
    return new Map([...this.#latest].map(([k, v]) => [k, { ...v }]));
  }

  /** The kept samples, oldest first. */
  samples(): Sample[] {
    return structuredClone(this.#samples);
  }
}

/** The sizes `/members` adds to each member (`null`: not measured yet). */
export interface MeasuredFields {
  dbSize: number | null;
  dbSizeInUse: number | null;
}

/** `members` with each one's latest db size and in-use size. */
export function withMeasures<M extends { name: string }>(
  members: readonly M[],
  latest: ReadonlyMap<string, LatestMeasure> | undefined,
): (M & MeasuredFields)[] {
  return members.map((m) => {
    const l = latest?.get(m.name);
    return { ...m, dbSize: l?.dbSize ?? null, dbSizeInUse: l?.dbSizeInUse ?? null };
  });
}
