import assert from "node:assert/strict";
import { Backoff, waitFor } from "./backoff.ts";
import { FakeClock } from "../clock.ts";

Deno.test("Backoff doubles from minMs, caps at maxMs and restarts after reset()", () => {
  const b = new Backoff({ minMs: 100, maxMs: 1000 });
  assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()], [
    100,
    200,
    400,
    800,
    1000,
    1000,
  ]);
  assert.equal(b.attempts, 6);
  b.reset();
  assert.equal(b.next(), 100);
});

Deno.test("Backoff defaults to 500 ms growing to a 15 s cap", () => {
  const b = new Backoff();
  const delays = Array.from({ length: 8 }, () => b.next());
  assert.equal(delays[0], 500);
  assert.equal(delays.at(-1), 15_000);
});

Deno.test("Backoff jitter shortens a delay by at most its fraction", () => {
  const low = new Backoff({ minMs: 1000, jitter: 0.5, random: () => 0.999999 });
  const high = new Backoff({ minMs: 1000, jitter: 0.5, random: () => 0 });
  assert.ok(low.next() > 500);
  assert.equal(high.next(), 1000);
});

Deno.test("Backoff rejects bad options, naming the value", () => {
  assert.throws(() => new Backoff({ minMs: -1 }), { name: "RangeError", message: /-1/ });
  assert.throws(() => new Backoff({ minMs: 10, maxMs: 5 }), { message: /maxMs 5/ });
  assert.throws(() => new Backoff({ jitter: 2 }), { message: /jitter 2/ });
});

Deno.test("waitFor() resolves when the clock reaches the delay", async () => {
  const clock = new FakeClock();
  let done = false;
  const p = waitFor(50, clock).then(() => done = true);
  clock.advance(49);
  await Promise.resolve();
  assert.equal(done, false);
  clock.advance(1);
  await p;
  assert.equal(done, true);
});

Deno.test("waitFor() rejects with the abort reason and clears its timer", async () => {
  const clock = new FakeClock();
  const ctl = new AbortController();
  const p = waitFor(1000, clock, ctl.signal);
  ctl.abort(new Error("closing"));
  await assert.rejects(p, { message: "closing" });
  assert.equal(clock.pending, 0);
  await assert.rejects(waitFor(1, clock, ctl.signal), { message: "closing" });
});
