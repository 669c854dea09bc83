/**
 * The status page's two charts from the probes' samples (pure): every member's raft index
 * and db size over the last hour, as SVG (`svg_chart.ts`).
 *
 * @module
 */
import { formatBytes } from "../maintenance/plan.ts";
import type { Sample } from "./samples.ts";
import { type ChartSeries, lineChart } from "./svg_chart.ts";

/** The charts served under `/charts/`. */
export const CHARTS = {
  "raft-index.svg": { title: "raft index", field: "raftIndex" },
  "db-size.svg": { title: "db size", field: "dbSize" },
} as const;

/** The name of a chart under `/charts/`. */
export type ChartName = keyof typeof CHARTS;

/** One series per member that has `field` in some sample, in order of first appearance. */
export function seriesOf(samples: readonly Sample[], field: "raftIndex" | "dbSize"): ChartSeries[] {
  const byName = new Map<string, [number, number][]>();
  for (const s of samples) {
    for (const [name, m] of Object.entries(s.members)) {
      const v = m[field];
      if (v === undefined || !Number.isFinite(v)) continue;
      if (!byName.has(name)) byName.set(name, []);
      byName.get(name)!.push([s.at, v]);
    }
  }
  return [...byName].map(([name, points]) => ({ name, points }));
}

/** The chart `name` over `[now − windowMs, now]`. */
export function chartSvg(
  name: ChartName,
  samples: readonly Sample[],
  now: number,
  windowMs = 3_600_000,
): string {
  const { title, field } = CHARTS[name];
  return lineChart({
    title: `${title}, last ${Math.round(windowMs / 60_000)} minutes`,
    series: seriesOf(samples.filter((s) => s.at >= now - windowMs), field),
    from: now - windowMs,
    to: now,
    ...(field === "dbSize" ? { format: formatBytes } : {}),
  });
}
