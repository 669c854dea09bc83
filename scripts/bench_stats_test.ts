import assert from "node:assert/strict";
import { formatTable, scenario, summarize } from "./bench_stats.ts";

Deno.test("summarize() gives min, median (odd and even counts) and max, keeping the raw order", () => {
  assert.deepEqual(summarize([3, 1, 2]), { samples: [3, 1, 2], min: 1, median: 2, max: 3 });
  assert.equal(summarize([4, 1, 3, 2]).median, 2.5);
  assert.throws(() => summarize([]), /0 samples/);
});

Deno.test("scenario() compares the median with the floor and the target", () => {
  const met = scenario("cold start 3", summarize([4, 5, 6]), 2, 4);
  assert.equal(met.ratio, 2.5);
  assert.equal(met.meetsTarget, true);
  const missed = scenario("repair", summarize([9]), 2, 3);
  assert.equal(missed.meetsTarget, false);
  assert.equal(scenario("floor", summarize([2]), 2).meetsTarget, undefined);
});

Deno.test("formatTable() aligns one row per scenario with its verdict", () => {
  const text = formatTable([
    scenario("bare etcd floor", summarize([1]), 1),
    scenario("cold start 3", summarize([5]), 1, 4),
  ]);
  const lines = text.trimEnd().split("\n");
  assert.equal(lines.length, 4);
  assert.match(lines[0]!, /^scenario\s+n\s+min s\s+median s\s+max s\s+x floor\s+target\s+met$/);
  assert.match(lines[3]!, /^cold start 3\s+1\s+5\.00\s+5\.00\s+5\.00\s+5\.00\s+<= 4x\s+NO$/);
  assert.equal(new Set(lines.map((l) => l.length)).size, 1, "every line as wide");
});
