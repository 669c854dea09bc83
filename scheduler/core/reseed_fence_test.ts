import assert from "node:assert/strict";
import type { Effect } from "./effects.ts";
import { completeCluster, type ReseedWorld, run } from "./testing/reseed_world.ts";
import { type Harness, ofType, settle } from "./testing/scenario_world.ts";
import { healthOf } from "./views.ts";

/** 5 members: etcd-1 and etcd-2 ended, etcd-3 hung (running, unreachable); 4 and 5 answer. */
function fiveLosingThree(): { h: Harness; w: ReseedWorld } {
  const { h, w } = completeCluster(5, { memberGracePeriodMs: 600_000 });
  w.index.set("etcd-4", 120).set("etcd-5", 130);
  for (const n of ["etcd-1", "etcd-2", "etcd-3"]) w.unreachable.add(n);
  run(h, w, 5_000);
  for (const n of ["etcd-1", "etcd-2"]) settle(h, w, h.feed(w.end(n)), 7);
  return { h, w };
}

const logs = (fx: Effect[], msg: string) => ofType(fx, "log").filter((l) => l.msg === msg);

Deno.test("a reachable survivor that never confirms its fence aborts the reseed; the fenced are restarted", () => {
  const { h, w } = fiveLosingThree();
  w.hangStop.add("etcd-4");
  const seen = run(h, w, 70_000);
  assert.deepEqual(w.orders, ["stop etcd-3"], "etcd-4's executor never answers");
  assert.match(healthOf(h.state).reason, /^reseeding: fencing etcd-4 before seeding etcd-5$/);
  seen.push(...run(h, w, 65_000));
  const resent = ofType(seen, "executorOrder").filter((e) =>
    e.taskId.startsWith("etcd-4 ") && e.order.op === "stop"
  );
  assert.ok(resent.length >= 2, "the unanswered stop is sent again");
  assert.ok(resent.every((e) => e.order.id === resent[0]!.order.id), "with the same order id");
  const aborted = logs(seen, "reseed aborted")[0];
  assert.match(String(aborted?.fields.reason), /survivors etcd-4 did not confirm their fence/);
  // etcd-4 is told to restart too: its stop may have happened without an answer.
  assert.deepEqual(w.orders, ["stop etcd-3", "restart etcd-3", "restart etcd-4"]);
  assert.equal(ofType(seen, "kill").length, 0);
  assert.equal(ofType(seen, "executorOrder").filter((e) => e.order.op === "reseed").length, 0);
  assert.equal(h.state.reseed, undefined);
});

Deno.test("an unreachable member whose fence is never confirmed is passed over after the bound", () => {
  const { h, w } = fiveLosingThree();
  w.hangStop.add("etcd-3");
  const seen = run(h, w, 70_000);
  assert.deepEqual(w.orders, ["stop etcd-4"]);
  seen.push(...run(h, w, 60_000));
  assert.equal(
    logs(seen, "reseed: unreachable members did not confirm their fence; going on").length,
    1,
  );
  assert.deepEqual(w.orders.slice(0, 2), ["stop etcd-4", "reseed etcd-5"]);
  const killed = ofType(seen, "kill").map((k) => k.taskId.split(" ")[0]).sort();
  assert.deepEqual(killed, ["etcd-3", "etcd-4"], "both killed once the seed is healthy");
  assert.equal(w.members[0]!.name, "etcd-5");
});

Deno.test("an undelivered order is sent again once the master is back", () => {
  const { h, w } = fiveLosingThree();
  w.holdOrders = true;
  run(h, w, 70_000);
  const fence = w.held.find((e) => e.order.op === "stop")!;
  assert.ok(fence, "a stop order was sent");
  w.held = [];
  h.feed({
    type: "orderOutcome",
    orderId: fence.order.id,
    taskId: fence.taskId,
    op: "stop",
    ok: false,
    message: "the MESSAGE call failed",
    undelivered: true,
  });
  assert.equal(ofType(h.tick(1_000), "executorOrder").length, 0, "not at once");
  const again = h.tick(5_000);
  const resent = ofType(again, "executorOrder").filter((e) => e.taskId === fence.taskId);
  assert.equal(resent.length, 1);
  assert.equal(resent[0]!.order.id, fence.order.id);
  assert.equal(h.state.reseed?.phase, "fencing");
});
