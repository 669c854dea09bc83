import assert from "node:assert/strict";
import { livenessBoundOf, longestGap, longestUnhealthy, stallSeconds } from "./stall.ts";

Deno.test("longest gap between writes counts from the start and to the end", () => {
  assert.deepEqual(longestGap([1000, 2000, 9000, 9500], 0, 10_000), { from: 2000, to: 9000 });
  assert.deepEqual(longestGap([100], 0, 10_000), { from: 100, to: 10_000 });
  assert.deepEqual(longestGap([], 5, 10), { from: 5, to: 10 });
  assert.deepEqual(longestGap([8000, 9000], 0, 10_000), { from: 0, to: 8000 });
  assert.equal(stallSeconds({ from: 1000, to: 3500 }), 2.5);
});

Deno.test("longest unhealthy: last healthy sample to the next healthy one, or to the end", () => {
  const s = (at: number, healthy: boolean) => ({ at, healthy });
  assert.equal(longestUnhealthy([s(0, true), s(1, true)], 5), undefined);
  assert.deepEqual(
    longestUnhealthy(
      [s(0, true), s(1, false), s(2, false), s(3, true), s(4, false), s(9, true)],
      10,
    ),
    { from: 3, to: 9 },
  );
  assert.deepEqual(longestUnhealthy([s(0, false), s(1, false)], 7), { from: 0, to: 7 });
  assert.deepEqual(longestUnhealthy([s(0, true), s(1, false)], 30), { from: 0, to: 30 });
});

Deno.test("the liveness bound follows the scheduler flags of the run", () => {
  const base = ["--ephemeral", "--health-interval=1s", "--member-grace-period=10s"];
  // launch timeout 300 s (the longest wait) + destructive 30 s + probe 30 s + 6 × 1 s
  assert.equal(livenessBoundOf(base), 366_000);
  assert.equal(livenessBoundOf([...base, "--destructive-interval=5s"]), 341_000);
});
