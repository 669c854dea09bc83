/**
 * Summaries and the report table of `deno task bench` (pure).
 *
 * @module
 */

/** Raw samples in seconds with their min, median and max. */
export interface Summary {
  samples: number[];
  min: number;
  median: number;
  max: number;
}

/**
 * Summarizes `samples` (seconds); the median of an even count is the mean of the middle two.
 *
 * @throws {RangeError} when there are no samples.
 */
export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new RangeError("Cannot summarize 0 samples");
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { samples: [...samples], min: sorted[0]!, median, max: sorted.at(-1)! };
}

/** One measured scenario, compared with the floor. */
export interface ScenarioResult extends Summary {
  name: string;
  /** Median divided by the floor's median. */
  ratio: number;
  /** The ratio the scenario should stay within, if it has a target. */
  target?: number;
  /** `target` met (undefined without a target). */
  meetsTarget?: boolean;
}

/** `summary` as a {@linkcode ScenarioResult} relative to `floorMedian`. */
export function scenario(
  name: string,
  summary: Summary,
  floorMedian: number,
  target?: number,
): ScenarioResult {
  const ratio = summary.median / floorMedian;
  return {
    name,
    ...summary,
    ratio,
    ...(target === undefined ? {} : { target, meetsTarget: ratio <= target }),
  };
}

const s = (x: number) => x.toFixed(2);

/** A fixed-width text table of `rows`. */
export function formatTable(rows: readonly ScenarioResult[]): string {
  const header = ["scenario", "n", "min s", "median s", "max s", "x floor", "target", "met"];
  const body = rows.map((r) => [
    r.name,
    String(r.samples.length),
    s(r.min),
    s(r.median),
    s(r.max),
    s(r.ratio),
    r.target === undefined ? "-" : `<= ${r.target}x`,
    r.meetsTarget === undefined ? "-" : r.meetsTarget ? "yes" : "NO",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)]
    .join("\n") + "\n";
}
