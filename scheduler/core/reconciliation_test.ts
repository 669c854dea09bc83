import assert from "node:assert/strict";
import { Harness, ofType, status } from "./testing/scenario_world.ts";

const T1 = "etcd-1 h1 31100 31101";
const T2 = "etcd-2 h2 31200 31201";

/** A scheduler that knew two tasks and re-subscribes (a master failover). */
function resubscribed(): Harness {
  const h = new Harness();
  h.feed({ type: "subscribed", frameworkId: "fw-1", newFramework: true });
  for (const [t, a] of [[T1, "a1"], [T2, "a2"]] as const) {
    h.feed({ type: "status", status: status(t, "TASK_RUNNING", { agentId: a }) });
  }
  h.feed({ type: "disconnected", reason: "leader changed" });
  return h;
}

Deno.test("reconciliation: a brand-new framework is done at once (nothing to ask about)", () => {
  const h = new Harness();
  h.feed({ type: "subscribed", frameworkId: "fw-1", newFramework: true });
  assert.equal(h.state.reconciled, true);
});

Deno.test("reconciliation: implicit only: done once updates stop for the settle period", () => {
  const h = new Harness();
  h.feed({ type: "subscribed", frameworkId: "fw-1" });
  h.tick(500);
  h.feed({ type: "status", status: status(T1, "TASK_RUNNING", { agentId: "a1" }) });
  h.tick(900);
  assert.equal(h.state.reconciled, false, "an update restarts the quiet period");
  h.tick(100);
  assert.equal(h.state.reconciled, true);
});

Deno.test("reconciliation: explicit: waits for every known task, asking again with backoff", () => {
  const h = resubscribed();
  const fx = h.feed({ type: "subscribed", frameworkId: "fw-1" });
  assert.deepEqual(ofType(fx, "reconcile").map((r) => r.tasks.length), [0, 2]);
  h.feed({ type: "status", status: status(T1, "TASK_RUNNING", { agentId: "a1" }) });
  const asked: number[] = [];
  for (let i = 0; i < 70; i++) {
    const again = ofType(h.tick(1_000), "reconcile");
    if (again.length > 0) {
      asked.push(i + 1);
      assert.deepEqual(again[0]!.tasks, [{ taskId: T2, agentId: "a2" }], "only the unanswered");
    }
  }
  // 1 s doubling up to 30 s apart; Immutable all along.
  assert.deepEqual(asked, [1, 3, 7, 15, 31, 61]);
  assert.equal(h.state.reconciled, false);
  h.feed({ type: "status", status: status(T2, "TASK_RUNNING", { agentId: "a2" }) });
  h.tick(1_000);
  assert.equal(h.state.reconciled, true);
});

Deno.test("reconciliation: a disconnection drops the round; the next subscription starts afresh", () => {
  const h = resubscribed();
  h.feed({ type: "subscribed", frameworkId: "fw-1" });
  h.tick(1_000);
  h.tick(2_000);
  h.feed({ type: "disconnected" });
  const round = () => h.state.reconciliation;
  assert.equal(round(), undefined);
  h.feed({ type: "subscribed", frameworkId: "fw-1" });
  assert.equal(round()?.askDelayMs, 1_000, "backoff afresh");
});
