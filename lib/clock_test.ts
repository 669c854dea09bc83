import assert from "node:assert/strict";
import { FakeClock, systemClock } from "./clock.ts";

Deno.test("FakeClock starts at the given time and only moves on advance()", () => {
  const clock = new FakeClock(1000);
  assert.equal(clock.now(), 1000);
  clock.advance(250);
  assert.equal(clock.now(), 1250);
  assert.equal(new FakeClock().now(), 0);
});

Deno.test("FakeClock.advance() fires due timers in due order with now() at their due time", () => {
  const clock = new FakeClock(0);
  const seen: [string, number][] = [];
  clock.setTimeout(() => seen.push(["c", clock.now()]), 30);
  clock.setTimeout(() => seen.push(["a", clock.now()]), 10);
  clock.setTimeout(() => seen.push(["b", clock.now()]), 20);
  clock.setTimeout(() => seen.push(["late", clock.now()]), 100);
  assert.equal(clock.advance(50), 3);
  assert.deepEqual(seen, [["a", 10], ["b", 20], ["c", 30]]);
  assert.equal(clock.now(), 50);
  assert.equal(clock.pending, 1);
});

Deno.test("FakeClock fires timers due at the same time in the order they were set", () => {
  const clock = new FakeClock();
  const seen: number[] = [];
  for (const n of [1, 2, 3]) clock.setTimeout(() => seen.push(n), 5);
  clock.advance(5);
  assert.deepEqual(seen, [1, 2, 3]);
});

Deno.test("FakeClock fires timers set by callbacks when they fall inside the window", () => {
  const clock = new FakeClock();
  const seen: number[] = [];
  const tick = () => {
    seen.push(clock.now());
    clock.setTimeout(tick, 10);
  };
  clock.setTimeout(tick, 10);
  clock.advance(35);
  assert.deepEqual(seen, [10, 20, 30]);
  assert.equal(clock.nextTimerDelay(), 5);
});

Deno.test("FakeClock.clearTimeout() cancels a timer and ignores unknown ids", () => {
  const clock = new FakeClock();
  let fired = false;
  const id = clock.setTimeout(() => fired = true, 10);
  clock.clearTimeout(id);
  clock.clearTimeout(9999);
  clock.advance(100);
  assert.equal(fired, false);
  assert.equal(clock.pending, 0);
});

Deno.test("FakeClock treats negative and zero delays as due now", () => {
  const clock = new FakeClock(7);
  const seen: number[] = [];
  clock.setTimeout(() => seen.push(1), -5);
  clock.setTimeout(() => seen.push(2), 0);
  assert.equal(clock.advance(0), 2);
  assert.deepEqual(seen, [1, 2]);
  assert.equal(clock.now(), 7);
});

Deno.test("FakeClock.runNext() jumps to the next timer", () => {
  const clock = new FakeClock();
  let fired = 0;
  clock.setTimeout(() => fired++, 40);
  assert.equal(clock.runNext(), 1);
  assert.equal(clock.now(), 40);
  assert.equal(clock.runNext(), 0);
  assert.equal(clock.nextTimerDelay(), undefined);
});

Deno.test("FakeClock rejects bad advances and start times naming the value", () => {
  const clock = new FakeClock();
  assert.throws(() => clock.advance(-1), { name: "RangeError", message: /-1/ });
  assert.throws(() => clock.advance(NaN), { name: "RangeError", message: /NaN/ });
  assert.throws(() => new FakeClock(Infinity), { name: "RangeError", message: /Infinity/ });
});

Deno.test("systemClock runs and cancels real timers", async () => {
  const before = systemClock.now();
  assert.ok(Math.abs(before - Date.now()) < 1000);
  let cancelled = false;
  const id = systemClock.setTimeout(() => cancelled = true, 1);
  systemClock.clearTimeout(id);
  await new Promise<void>((resolve) => systemClock.setTimeout(resolve, 5));
  assert.equal(cancelled, false);
  assert.ok(systemClock.now() >= before);
});
