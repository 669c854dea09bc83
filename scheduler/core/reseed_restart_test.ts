import assert from "node:assert/strict";
import type { Effect } from "./effects.ts";
import type { Input } from "./inputs.ts";
import { completeCluster, RESEED_OPTIONS, ReseedWorld, run } from "./testing/reseed_world.ts";
import { Harness, offer, ofType, settle, status } from "./testing/scenario_world.ts";
import { healthOf, statsOf } from "./views.ts";

const logs = (fx: Effect[], msg: RegExp) => ofType(fx, "log").filter((l) => msg.test(l.msg));

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
  fx.push(...h2.tick(1_000)); // reconciliation answered: the master fell quiet
  settle(h2, w, fx, 7);
  return h2;
}

Deno.test("a scheduler killed right after the reseed order: the restarted one adopts the seed, kills the fenced member once healthy, regrows", () => {
  const { h, w } = fiveLosingThree();
  w.holdOrders = true;
  run(h, w, 70_000);
  const [fenced] = w.release();
  assert.ok(fenced, "etcd-4's fence");
  settle(h, w, h.feed(fenced), 7);
  assert.deepEqual(w.held.map((e) => `${e.order.op} ${e.taskId.split(" ")[0]}`), [
    "reseed etcd-5",
  ]);
  // The scheduler dies here; the executor carries the order out on its own.
  w.holdOrders = false;
  w.release();
  assert.deepEqual(w.members.map((m) => m.name), ["etcd-5"], "etcd-5 leads alone");

  const h2 = restartScheduler(h, w);
  const seen = run(h2, w, 60_000);
  const kills = ofType(seen, "kill");
  assert.deepEqual(kills.map((k) => k.taskId.split(" ")[0]), ["etcd-4"], "the fenced member");
  assert.match(kills[0]!.reason, /^unreachable for/);
  const offers = [offer(1), offer(2), offer(3)];
  settle(h2, w, h2.feed({ type: "offers", offers }), 7);
  run(h2, w, 120_000);
  assert.equal(healthOf(h2.state).healthy, true, healthOf(h2.state).reason);
  assert.equal(statsOf(h2.state).running_servers, 5);
  assert.ok(h2.state.members.some((m) => m.name === "etcd-5" && m.taskState === "TASK_RUNNING"));
  assert.equal(w.members[0]!.name, "etcd-5", "the seed leads the regrown cluster");
  assert.equal(h2.state.counters.cluster_reseeds, 0, "no second reseed");
});

Deno.test("a scheduler restarted while the seed cannot start: no survivor, said loudly; nobody is killed for being silent", () => {
  const { h, w } = fiveLosingThree();
  w.hangSeed.add("etcd-5");
  run(h, w, 70_000);
  assert.deepEqual(w.orders, ["stop etcd-4", "reseed etcd-5"]);
  assert.deepEqual([...w.stopped].sort(), ["etcd-4", "etcd-5"], "every survivor is down");

  const h2 = restartScheduler(h, w);
  const seen = run(h2, w, 200_000);
  assert.equal(statsOf(h2.state).no_survivor, 1);
  assert.equal(logs(seen, /^NO SURVIVOR/).length, 1);
  assert.match(healthOf(h2.state).reason, /^no survivor: no member answered/);
  assert.equal(ofType(seen, "kill").length, 0, "no quorum, no membership: nobody killed");
  assert.equal(ofType(seen, "executorOrder").length, 0);
  assert.equal(ofType(seen, "etcdRemove").length, 0);
});
