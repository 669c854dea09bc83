import assert from "node:assert/strict";
import { destructiveAllowed, destructiveWait } from "./rate_limit.ts";

Deno.test("destructiveWait() allows the first step at once", () => {
  assert.equal(destructiveWait(undefined, 1000, 30_000), 0);
});

Deno.test("destructiveWait() counts down the interval after a step", () => {
  assert.equal(destructiveWait(1000, 1000, 30_000), 30_000);
  assert.equal(destructiveWait(1000, 21_000, 30_000), 10_000);
  assert.equal(destructiveWait(1000, 31_000, 30_000), 0);
  assert.equal(destructiveAllowed(1000, 30_999, 30_000), false);
  assert.equal(destructiveAllowed(1000, 31_000, 30_000), true);
});

Deno.test("destructiveWait() rejects a negative interval, naming it", () => {
  assert.throws(() => destructiveWait(0, 0, -1), /interval -1 ms/);
});
