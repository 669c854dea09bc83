import assert from "node:assert/strict";
import { FakeClock } from "../lib/clock.ts";
import { ReconcileTracker } from "./reconcile_tracker.ts";

function tracker(clock: FakeClock) {
  const done: string[][] = [];
  const t = new ReconcileTracker({
    clock,
    settleMs: 1000,
    maxWaitMs: 10_000,
    onDone: ({ unanswered }) => done.push(unanswered),
  });
  return { t, done };
}

Deno.test("ReconcileTracker: implicit reconciliation is done once updates stop for settleMs", () => {
  const clock = new FakeClock(0);
  const { t, done } = tracker(clock);
  t.begin([]);
  clock.advance(800);
  t.onStatus("task-a"); // an implicit answer pushes the end out
  clock.advance(800);
  assert.deepEqual(done, []);
  clock.advance(200);
  assert.deepEqual(done, [[]]);
  assert.equal(t.active, false);
  clock.advance(20_000);
  assert.equal(done.length, 1, "reported once");
});

Deno.test("ReconcileTracker: explicit reconciliation waits for every asked task", () => {
  const clock = new FakeClock(0);
  const { t, done } = tracker(clock);
  t.begin([]);
  t.begin(["a", "b"]);
  clock.advance(3000);
  assert.deepEqual(done, []);
  assert.deepEqual(t.pending, ["a", "b"]);
  t.onStatus("a");
  clock.advance(3000);
  assert.deepEqual(done, []);
  t.onStatus("b");
  clock.advance(999);
  assert.deepEqual(done, []);
  clock.advance(1);
  assert.deepEqual(done, [[]]);
});

Deno.test("ReconcileTracker: gives up after maxWaitMs and names the unanswered tasks", () => {
  const clock = new FakeClock(0);
  const { t, done } = tracker(clock);
  t.begin(["a", "b"]);
  t.onStatus("b");
  clock.advance(9_999);
  assert.deepEqual(done, []);
  clock.advance(1);
  assert.deepEqual(done, [["a"]]);
});

Deno.test("ReconcileTracker: cancel() drops the round silently and ignores later updates", () => {
  const clock = new FakeClock(0);
  const { t, done } = tracker(clock);
  t.begin(["a"]);
  t.cancel();
  t.onStatus("a");
  clock.advance(60_000);
  assert.deepEqual(done, []);
  assert.equal(clock.pending, 0);
});
