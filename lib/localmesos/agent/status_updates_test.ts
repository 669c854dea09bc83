import assert from "node:assert/strict";
import { FakeClock } from "../../clock.ts";
import { bytesToBase64 } from "../../mesos/base64.ts";
import type { Plain } from "../../mesos/plain.ts";
import { StatusUpdateManager } from "./status_updates.ts";

function status(task: string, state: string, n: number): Plain {
  const uuid = new Uint8Array(16).fill(n);
  return { task_id: { value: task }, state, uuid };
}

function harness(retryMs = 100, maxRetryMs = 400) {
  const clock = new FakeClock(0);
  const sent: { at: number; fw: string; task: string; state: string }[] = [];
  const sum = new StatusUpdateManager({
    clock,
    retryMs,
    maxRetryMs,
    forward: (fw, s) => {
      sent.push({ at: clock.now(), fw, task: s.task_id.value, state: s.state });
      return Promise.resolve();
    },
  });
  return { clock, sent, sum };
}

Deno.test("StatusUpdateManager retries the head update with doubling delays up to the cap", () => {
  const { clock, sent, sum } = harness(100, 400);
  sum.update("fw", status("t1", "TASK_RUNNING", 1));
  clock.advance(1600);
  assert.deepEqual(sent.map((s) => s.at), [0, 100, 300, 700, 1100, 1500]);
  sum.close();
});

Deno.test("StatusUpdateManager keeps one update per task in flight and sends the next on ack", () => {
  const { clock, sent, sum } = harness();
  const running = status("t1", "TASK_RUNNING", 1);
  sum.update("fw", status("t1", "TASK_STARTING", 0));
  sum.update("fw", running);
  sum.update("fw", status("t2", "TASK_RUNNING", 2)); // another task: its own stream
  assert.deepEqual(sent.map((s) => `${s.task}:${s.state}`), [
    "t1:TASK_STARTING",
    "t2:TASK_RUNNING",
  ]);
  assert.equal(sum.acknowledge("fw", "t1", bytesToBase64(running.uuid)), undefined); // not head
  const acked = sum.acknowledge("fw", "t1", bytesToBase64(new Uint8Array(16).fill(0)));
  assert.equal(acked?.state, "TASK_STARTING");
  assert.equal(sent.at(-1)?.state, "TASK_RUNNING");
  assert.equal(sent.at(-1)?.at, 0);
  sum.acknowledge("fw", "t1", bytesToBase64(running.uuid));
  sum.acknowledge("fw", "t2", bytesToBase64(new Uint8Array(16).fill(2)));
  const count = sent.length;
  clock.advance(10_000);
  assert.equal(sent.length, count, "nothing left to retry");
  assert.equal(sum.inFlight, 0);
});

Deno.test("StatusUpdateManager drops a duplicate uuid, even after it was acknowledged", () => {
  const { sent, sum } = harness();
  const s = status("t1", "TASK_RUNNING", 7);
  assert.equal(sum.update("fw", s), "queued");
  assert.equal(sum.update("fw", { ...s }), "duplicate");
  sum.acknowledge("fw", "t1", bytesToBase64(s.uuid));
  assert.equal(sum.update("fw", { ...s }), "duplicate");
  assert.equal(sent.length, 1);
  sum.close();
});

Deno.test("StatusUpdateManager pause() stops retries and resume() resends heads at once", () => {
  const { clock, sent, sum } = harness();
  sum.update("fw", status("t1", "TASK_RUNNING", 1));
  sum.pause();
  sum.update("fw", status("t2", "TASK_RUNNING", 2));
  clock.advance(5000);
  assert.deepEqual(sent.map((s) => s.task), ["t1"]);
  sum.resume();
  assert.deepEqual(sent.map((s) => s.task), ["t1", "t1", "t2"]);
  sum.forgetFramework("fw");
  clock.advance(5000);
  assert.equal(sent.length, 3);
});

Deno.test("StatusUpdateManager rejects an update without a 16-byte uuid", () => {
  const { sum } = harness();
  assert.throws(
    () => sum.update("fw", { task_id: { value: "t9" }, state: "TASK_RUNNING" }),
    /task t9: uuid must be 16 bytes/,
  );
});
