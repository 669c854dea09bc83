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

Deno.test("ReconcileTracker: asks again about unanswered tasks with backoff until each answers", () => {
  const clock = new FakeClock(0);
  const done: string[][] = [];
  const resent: { at: number; ids: string[] }[] = [];
  const t: ReconcileTracker = new ReconcileTracker({
    clock,
    settleMs: 1000,
    onDone: ({ unanswered }) => done.push(unanswered),
    resend: (ids) => {
      resent.push({ at: clock.now(), ids });
      t.begin(ids); // the shell sends a RECONCILE, which reports back here
    },
  });
  t.begin([]);
  t.begin(["a", "b"]);
  clock.advance(999);
  assert.equal(resent.length, 0);
  clock.advance(1);
  assert.deepEqual(resent, [{ at: 1000, ids: ["a", "b"] }]);
  clock.advance(2000);
  assert.deepEqual(resent.map((r) => r.at), [1000, 3000], "then after 2 s");
  t.onStatus("a");
  clock.advance(4000);
  assert.deepEqual(resent.at(-1), { at: 7000, ids: ["b"] }, "only the unanswered one, after 4 s");
  assert.deepEqual(done, []);
  t.onStatus("b");
  clock.advance(1000);
  assert.deepEqual(done, [[]], "done once every task answered and updates settled");
  clock.advance(120_000);
  assert.equal(resent.length, 3, "no re-send after the round");
});

Deno.test("ReconcileTracker: by default never gives up; re-sends are capped at 30 s apart", () => {
  const clock = new FakeClock(0);
  const done: string[][] = [];
  const resent: number[] = [];
  const t: ReconcileTracker = new ReconcileTracker({
    clock,
    onDone: ({ unanswered }) => done.push(unanswered),
    resend: (ids) => {
      resent.push(clock.now());
      t.begin(ids);
    },
  });
  t.begin(["a"]);
  clock.advance(10 * 60_000);
  assert.deepEqual(done, [], "still waiting after 10 minutes");
  assert.equal(t.active, true);
  const gaps = resent.slice(1).map((at, i) => at - resent[i]!);
  assert.deepEqual(gaps.slice(0, 5), [2000, 4000, 8000, 16_000, 30_000]);
  assert.ok(gaps.every((g) => g <= 30_000), `gaps ${gaps}`);
  t.onStatus("a");
  clock.advance(1000);
  assert.deepEqual(done, [[]]);
});

Deno.test("ReconcileTracker: a new round starts its backoff afresh", () => {
  const clock = new FakeClock(0);
  const resent: number[] = [];
  const t: ReconcileTracker = new ReconcileTracker({
    clock,
    onDone: () => {},
    resend: (ids) => {
      resent.push(clock.now());
      t.begin(ids);
    },
  });
  t.begin(["a"]);
  clock.advance(7000); // re-sent at 1 s, 3 s, 7 s
  t.cancel(); // disconnected
  t.begin(["a"]);
  clock.advance(1000);
  assert.deepEqual(resent, [1000, 3000, 7000, 8000]);
  t.cancel();
  assert.throws(() => new ReconcileTracker({ onDone: () => {}, maxWaitMs: 0 }), /0 ms/);
});
