import assert from "node:assert/strict";
import type { Input } from "./inputs.ts";
import { completeCluster, RESEED_OPTIONS, ReseedWorld, run } from "./reseed_world.ts";
import { Harness, offer, ofType, settle, status } from "./testing.ts";
import { healthOf, statsOf } from "./views.ts";

const OPTIONS = { ...RESEED_OPTIONS, clusterSize: 5, memberGracePeriodMs: 600_000 };

/** As the real prober: the membership is known only when some member answered. */
class ListingWorld extends ReseedWorld {
  override probe(names: string[]): Input {
    const p = super.probe(names);
    if (p.type === "probe" && !p.results.some((r) => r.reachable)) delete p.membership;
    return p;
  }
}

function listing(c: { h: Harness; w: ReseedWorld }): { h: Harness; w: ReseedWorld } {
  Object.setPrototypeOf(c.w, ListingWorld.prototype);
  return c;
}

/** 5 members: etcd-1..3 ended; etcd-4 (index 120) and etcd-5 (index 130) answer. */
function fiveLosingThree(): { h: Harness; w: ReseedWorld } {
  const { h, w } = listing(completeCluster(5, { memberGracePeriodMs: 600_000 }));
  w.index.set("etcd-4", 120).set("etcd-5", 130);
  for (const n of ["etcd-1", "etcd-2", "etcd-3"]) w.unreachable.add(n);
  run(h, w, 5_000);
  for (const n of ["etcd-1", "etcd-2", "etcd-3"]) settle(h, w, h.feed(w.end(n)), 7);
  return { h, w };
}

/**
 * A new scheduler (no state) at the same time: subscribes, adopts the tasks, reconciles. Its
 * grace period is short (10 s): silent members must not be killed for it without quorum.
 */
function restartScheduler(h: Harness, w: ReseedWorld): Harness {
  const h2 = new Harness({ ...OPTIONS, memberGracePeriodMs: 10_000 }, h.now);
  const fx = h2.feed({ type: "subscribed", frameworkId: "fw-1" });
  for (const [taskId, t] of w.tasks) {
    fx.push(
      ...h2.feed({
        type: "status",
        status: status(taskId, t.state, { agentId: t.launch.agentId }),
      }),
    );
  }
  fx.push(...h2.feed({ type: "reconcileDone" }));
  settle(h2, w, fx, 7);
  return h2;
}

Deno.test("a scheduler restarted while seeding (the survivors fenced) restarts the silent adopted members and reseeds", () => {
  const { h, w } = fiveLosingThree();
  w.hangSeed.add("etcd-5");
  run(h, w, 70_000);
  assert.deepEqual(w.orders, ["stop etcd-4", "reseed etcd-5"]);
  assert.equal(h.state.reseed?.phase, "seeding");
  // Every survivor's etcd is down now: etcd-4 fenced, etcd-5 stuck restarting.
  assert.deepEqual([...w.stopped].sort(), ["etcd-4", "etcd-5"]);

  w.hangSeed.delete("etcd-5");
  const h2 = restartScheduler(h, w);
  assert.equal(h2.state.members.filter((m) => m.taskState === "TASK_RUNNING").length, 2);
  const seen = run(h2, w, 90_000);
  const unfence = ofType(seen, "executorOrder").filter((e) => e.order.id.startsWith("unfence-"));
  assert.deepEqual(
    unfence.map((e) => `${e.order.op} ${e.taskId.split(" ")[0]}`).sort(),
    ["restart etcd-4", "restart etcd-5"],
    "the silent adopted members are told to restart etcd once",
  );
  // Then the ordinary reseed: ranked by raft index, the other fenced, the best seeded.
  assert.deepEqual(w.orders.slice(2), [
    "restart etcd-4",
    "restart etcd-5",
    "stop etcd-4",
    "reseed etcd-5",
  ]);
  const kills = ofType(seen, "kill");
  assert.deepEqual(kills.map((k) => k.taskId.split(" ")[0]), ["etcd-4"], "only the fenced one");
  assert.match(kills[0]!.reason, /^fenced by reseed-1; etcd-5 reseeded the cluster/);
  // A new framework connection gets offers without asking: from the three free agents.
  const offers = [offer(1), offer(2), offer(3)];
  settle(h2, w, h2.feed({ type: "offers", offers }), 7);
  run(h2, w, 120_000);
  assert.equal(healthOf(h2.state).healthy, true, healthOf(h2.state).reason);
  assert.equal(statsOf(h2.state).running_servers, 5);
  assert.equal(h2.state.counters.cluster_reseeds, 1);
  assert.equal(statsOf(h2.state).no_survivor, 0);
});

Deno.test("no unfence for members this scheduler launched, nor once a member has answered", () => {
  const { h, w } = listing(completeCluster(3));
  w.unreachable.add("etcd-1").add("etcd-2").add("etcd-3");
  const seen = run(h, w, 200_000);
  assert.equal(statsOf(h.state).no_survivor, 1);
  assert.equal(ofType(seen, "executorOrder").length, 0, "launched here: left alone");

  // A restarted scheduler: one member answered once, then all went silent.
  w.unreachable.delete("etcd-1");
  const h2 = restartScheduler(h, w);
  w.unreachable.add("etcd-1");
  const later = run(h2, w, 200_000);
  assert.equal(statsOf(h2.state).no_survivor, 1);
  const orders = ofType(later, "executorOrder").map((e) => e.taskId.split(" ")[0]);
  assert.ok(orders.length >= 4, `repeated: ${orders}`);
  assert.ok(!orders.includes("etcd-1"), "the member that answered is not restarted");
  assert.equal(ofType(later, "kill").length, 0, "no quorum: nobody killed for being silent");
});
