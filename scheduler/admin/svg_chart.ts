/**
 * A small line chart as standalone SVG text (pure; no library, no script): one polyline per
 * series over a time axis, a y axis with a few labelled ticks, and a legend. The status page
 * inlines it; `GET /charts/*.svg` serves it.
 *
 * @module
 */

/** One line of the chart. */
export interface ChartSeries {
  name: string;
  /** `[ms since the epoch, value]`, oldest first. */
  points: readonly (readonly [number, number])[];
}

/** What to draw. */
export interface LineChart {
  title: string;
  series: readonly ChartSeries[];
  /** The time axis, ms since the epoch. */
  from: number;
  to: number;
  /** How values are labelled; default plain numbers. */
  format?: (value: number) => string;
  /** Pixels; default 640 × 220. */
  width?: number;
  height?: number;
}

/** Colours of the series, in order (then again). */
export const PALETTE = [
  "#1f77b4",
  "#d62728",
  "#2ca02c",
  "#9467bd",
  "#ff7f0e",
  "#17becf",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
];

/** Escapes text for SVG/HTML content and attributes. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** `1.2k`, `3.4M`: short labels for counts. */
export function shortNumber(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e9) return `${+(n / 1e9).toFixed(1)}G`;
  if (a >= 1e6) return `${+(n / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${+(n / 1e3).toFixed(1)}k`;
  return `${+n.toFixed(1)}`;
}

/** Up to 5 round tick values covering `[lo, hi]`. */
export function ticks(lo: number, hi: number): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(v);
  return out;
}

const round = (n: number) => Math.round(n * 10) / 10;

/** The chart as an `<svg>` element's text. */
export function lineChart(chart: LineChart): string {
  const width = chart.width ?? 640;
  const height = chart.height ?? 220;
  const fmt = chart.format ?? shortNumber;
  const left = 64;
  const right = 130;
  const top = 28;
  const bottom = 28;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const values = chart.series.flatMap((s) => s.points.map((p) => p[1]));
  const head = `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="${width}" ` +
    `height="${height}" viewBox="0 0 ${width} ${height}" role="img" ` +
    `aria-label="${escapeXml(chart.title)}">` +
    `<title>${escapeXml(chart.title)}</title>` +
    `<text x="${left}" y="18" font-size="13" font-weight="bold">${escapeXml(chart.title)}</text>` +
    `<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#ccc"/>`;
  if (values.length === 0) {
    return head +
      `<text class="empty" x="${left + plotW / 2}" y="${top + plotH / 2}" text-anchor="middle" ` +
      `font-size="12" fill="#777">no samples yet</text></svg>`;
  }
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (hi === lo) {
    const pad = Math.max(1, Math.abs(hi) * 0.05);
    lo -= pad;
    hi += pad;
  }
  const span = Math.max(1, chart.to - chart.from);
  const x = (t: number) => round(left + ((t - chart.from) / span) * plotW);
  const y = (v: number) => round(top + plotH - ((v - lo) / (hi - lo)) * plotH);
  const parts: string[] = [head];
  for (const v of ticks(lo, hi)) {
    parts.push(
      `<line x1="${left}" x2="${left + plotW}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/>`,
      `<text class="tick" x="${left - 6}" y="${y(v) + 4}" text-anchor="end" font-size="11">` +
        `${escapeXml(fmt(v))}</text>`,
    );
  }
  const minutes = Math.round(span / 60_000);
  parts.push(
    `<text x="${left}" y="${height - 8}" font-size="11">-${minutes}m</text>`,
    `<text x="${left + plotW}" y="${height - 8}" font-size="11" text-anchor="end">now</text>`,
  );
  if (minutes >= 4 && minutes % 4 === 0) {
    for (let k = 1; k < 4; k++) {
      const at = round(left + (plotW * k) / 4);
      parts.push(
        `<line x1="${at}" x2="${at}" y1="${top}" y2="${top + plotH}" stroke="#f2f2f2"/>`,
        `<text x="${at}" y="${height - 8}" font-size="11" text-anchor="middle">` +
          `-${(minutes * (4 - k)) / 4}m</text>`,
      );
    }
  }
  chart.series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    const pts = s.points.map(([t, v]) => `${x(t)},${y(v)}`).join(" ");
    parts.push(
      `<polyline class="series" data-series="${escapeXml(s.name)}" fill="none" ` +
        `stroke="${color}" stroke-width="2" points="${pts}"/>`,
      `<rect x="${left + plotW + 12}" y="${top + i * 18}" width="10" height="10" fill="${color}"/>`,
      `<text class="legend" x="${left + plotW + 28}" y="${top + i * 18 + 9}" font-size="11">` +
        `${escapeXml(s.name)}</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("");
}
