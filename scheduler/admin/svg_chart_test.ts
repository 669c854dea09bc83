import assert from "node:assert/strict";
import { chartSvg, seriesOf } from "./charts.ts";
import type { Sample } from "./samples.ts";
import { escapeXml, lineChart, shortNumber, ticks } from "./svg_chart.ts";

Deno.test("lineChart() draws one polyline per series inside the plot, with legend and ticks", () => {
  const svg = lineChart({
    title: "raft index",
    series: [
      { name: "etcd-1", points: [[0, 10], [30_000, 20], [60_000, 40]] },
      { name: "etcd-<2>", points: [[0, 10], [60_000, 30]] },
    ],
    from: 0,
    to: 60_000,
  });
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(svg, /<\/svg>$/);
  const lines = [
    ...svg.matchAll(/<polyline class="series" data-series="([^"]*)"[^>]* points="([^"]*)"/g),
  ];
  assert.deepEqual(lines.map((m) => m[1]), ["etcd-1", "etcd-&#60;2&#62;"]);
  const xs = lines[0]![2]!.split(" ").map((p) => Number(p.split(",")[0]));
  const ys = lines[0]![2]!.split(" ").map((p) => Number(p.split(",")[1]));
  assert.deepEqual(xs, [64, 287, 510], "the time axis spans the plot");
  assert.deepEqual(ys, [192, 137.3, 28], "the lowest value at the bottom, the highest at the top");
  assert.ok(svg.includes(">etcd-&#60;2&#62;</text>"), "legend escaped");
  assert.ok((svg.match(/class="tick"/g) ?? []).length >= 3);
  assert.ok(svg.includes(">-1m</text>") && svg.includes(">now</text>"));
});

Deno.test("lineChart() says so when there is nothing to draw, and copes with a flat line", () => {
  assert.match(lineChart({ title: "t", series: [], from: 0, to: 1 }), /no samples yet/);
  const flat = lineChart({
    title: "t",
    series: [{ name: "a", points: [[0, 5], [1, 5]] }],
    from: 0,
    to: 1,
  });
  assert.match(flat, /points="64,\d+(\.\d)? 510,\d+/);
  assert.doesNotMatch(flat, /NaN|Infinity/);
});

Deno.test("ticks(), shortNumber() and escapeXml()", () => {
  assert.deepEqual(ticks(0, 100), [0, 25, 50, 75, 100]);
  assert.deepEqual(ticks(3, 17), [5, 10, 15]);
  assert.deepEqual(ticks(5, 5), [5]);
  assert.equal(shortNumber(12_345), "12.3k");
  assert.equal(shortNumber(2_500_000), "2.5M");
  assert.equal(shortNumber(42), "42");
  assert.equal(escapeXml(`<a href="x">&'`), "&#60;a href=&#34;x&#34;&#62;&#38;&#39;");
});

Deno.test("seriesOf() and chartSvg() chart each member's raft index and db size over the hour", () => {
  const now = 10_000_000;
  const samples: Sample[] = [
    { at: now - 4_000_000, members: { "etcd-1": { raftIndex: 1, dbSize: 1 } } },
    {
      at: now - 60_000,
      members: { "etcd-1": { raftIndex: 100, dbSize: 2048 }, "etcd-2": { raftIndex: 90 } },
    },
    {
      at: now,
      members: { "etcd-1": { raftIndex: 120, dbSize: 4096 }, "etcd-2": { raftIndex: 118 } },
    },
  ];
  assert.deepEqual(seriesOf(samples, "dbSize"), [
    { name: "etcd-1", points: [[now - 4_000_000, 1], [now - 60_000, 2048], [now, 4096]] },
  ]);
  const raft = chartSvg("raft-index.svg", samples, now);
  assert.equal((raft.match(/<polyline/g) ?? []).length, 2);
  assert.match(raft, /raft index, last 60 minutes/);
  for (const label of ["-60m", "-45m", "-30m", "-15m", "now"]) {
    assert.ok(raft.includes(`>${label}</text>`), label);
  }
  const db = chartSvg("db-size.svg", samples, now);
  assert.equal((db.match(/<polyline/g) ?? []).length, 1, "only samples within the hour");
  assert.match(db, /KiB<\/text>/);
});
