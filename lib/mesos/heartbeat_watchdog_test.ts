import assert from "node:assert/strict";
import { HeartbeatWatchdog } from "./heartbeat_watchdog.ts";
import { FakeClock } from "../clock.ts";

Deno.test("HeartbeatWatchdog fires after five silent intervals", () => {
  const clock = new FakeClock();
  const fired: number[] = [];
  new HeartbeatWatchdog(clock, (ms) => fired.push(ms), { intervalMs: 15_000 });
  clock.advance(74_999);
  assert.deepEqual(fired, []);
  clock.advance(1);
  assert.deepEqual(fired, [75_000]);
  clock.advance(1_000_000);
  assert.equal(fired.length, 1, "fires only once");
});

Deno.test("HeartbeatWatchdog.reset() on each record keeps it quiet", () => {
  const clock = new FakeClock();
  let fired = 0;
  const w = new HeartbeatWatchdog(clock, () => fired++, { intervalMs: 1000, missed: 3 });
  for (let i = 0; i < 10; i++) {
    clock.advance(2900);
    w.reset();
  }
  assert.equal(fired, 0);
  clock.advance(3000);
  assert.equal(fired, 1);
});

Deno.test("HeartbeatWatchdog.setInterval() uses the interval from SUBSCRIBED", () => {
  const clock = new FakeClock();
  let fired = 0;
  const w = new HeartbeatWatchdog(clock, () => fired++);
  w.setInterval(100);
  assert.equal(w.timeoutMs, 500);
  clock.advance(500);
  assert.equal(fired, 1);
});

Deno.test("HeartbeatWatchdog.stop() disarms and leaves no timer", () => {
  const clock = new FakeClock();
  let fired = 0;
  const w = new HeartbeatWatchdog(clock, () => fired++, { intervalMs: 10 });
  w.stop();
  w.reset();
  assert.equal(clock.pending, 0);
  clock.advance(1000);
  assert.equal(fired, 0);
});

Deno.test("HeartbeatWatchdog rejects a bad interval, naming it", () => {
  assert.throws(() => new HeartbeatWatchdog(new FakeClock(), () => {}, { intervalMs: 0 }), {
    name: "RangeError",
    message: /interval 0 ms/,
  });
});
