import assert from "node:assert/strict";
import type { Effect } from "./effects.ts";
import { completeCluster, ReseedWorld, run } from "./testing/reseed_world.ts";
import { type Harness, ofType, settle, summarize } from "./testing/scenario_world.ts";
import { healthOf, statsOf } from "./views.ts";

/** The effects that change something (orders, kills, membership, offers). */
const key = (fx: Effect[]) =>
  summarize(fx).filter((l) =>
    /^(order|launch|addLearner|promote|remove|kill|revive|suppress)/.test(l)
  );

const logs = (fx: Effect[], msg: string | RegExp) =>
  ofType(fx, "log").filter((l) => typeof msg === "string" ? l.msg === msg : msg.test(l.msg));

const destructive = (fx: Effect[]) =>
  fx.filter((e) => e.type === "kill" || e.type === "etcdRemove" || e.type === "executorOrder");

/**
 * Members stop answering at once (a probe sees it), then the tasks of `ended` end (their
 * executors died); the `hung` ones keep running with an etcd that does not answer.
 */
function lose(h: Harness, w: ReseedWorld, ended: string[], hung: string[] = []): Effect[] {
  for (const n of [...ended, ...hung]) w.unreachable.add(n);
  const fx = run(h, w, 5_000);
  for (const n of ended) fx.push(...settle(h, w, h.feed(w.end(n)), 7));
  return fx;
}

Deno.test("2 of 3 lost: survivors ranked, the other fenced, the best seeded, then regrown to 3", () => {
  const { h, w } = completeCluster(3);
  // etcd-1's executor died (task ended); etcd-2's etcd hangs (task still running).
  const seen = lose(h, w, ["etcd-1"], ["etcd-2"]);
  seen.push(...run(h, w, 50_000));
  assert.deepEqual(key(seen), [], "nothing happens before --reseed-timeout");
  assert.equal(h.state.counters.cluster_livelocks, 1, "one quorum-loss episode");
  assert.ok(h.state.quorumLostSince !== undefined);
  const lost = logs(seen, "quorum lost")[0];
  assert.match(String(lost?.fields.evidence), /etcd-3: reachable index=100 term=2 leader=none/);
  assert.match(String(lost?.fields.evidence), /etcd-2: unreachable \(connection refused\)/);
  assert.match(
    String(lost?.fields.quorum),
    /^1 of 3 voting members reachable \(quorum 2\), no leader/,
  );

  w.holdOrders = true;
  const trigger = run(h, w, 10_000);
  assert.deepEqual(key(trigger), ["order stop etcd-2"], "the hung member is fenced first");
  assert.equal(healthOf(h.state).reason, "reseeding: fencing etcd-2 before seeding etcd-3");
  assert.equal(statsOf(h.state).reseeding, 1);
  assert.equal(h.state.counters.cluster_reseeds, 1);
  const ranked = logs(trigger, "reseed: survivors ranked by raft index")[0];
  assert.equal(ranked?.fields.ranking, "etcd-3@100");
  assert.match(String(ranked?.fields.evidence), /^etcd-1: task TASK_FAILED; etcd-2: unreachable/);

  // Status updates are still handled while the reseed waits.
  const t3 = h.state.members.find((m) => m.name === "etcd-3")!.taskId;
  assert.deepEqual(summarize(h.feed(w.running(t3))), ["ack etcd-3"]);

  const [fenced] = w.release();
  const seeding = h.feed(fenced!);
  assert.deepEqual(key(seeding), ["order reseed etcd-3"]);
  assert.equal(healthOf(h.state).reason, "reseeding: seeding etcd-3");
  w.holdOrders = false;
  const rest = settle(h, w, seeding, 7);
  rest.push(...run(h, w, 30_000));
  assert.deepEqual(key(rest).slice(0, 4), [
    "order reseed etcd-3",
    "kill etcd-2",
    "revive",
    "addLearner etcd-4",
  ]);
  assert.ok(key(rest).includes("promote etcd-5"), key(rest).join());
  assert.equal(key(rest).at(-1), "suppress");
  assert.deepEqual(w.orders, ["stop etcd-2", "reseed etcd-3"]);
  assert.match(ofType(rest, "kill")[0]!.reason, /fenced by reseed-1; etcd-3 reseeded the cluster/);
  assert.equal(h.state.reseed, undefined);
  assert.deepEqual(
    h.state.members.filter((m) => m.taskState === "TASK_RUNNING").map((m) => m.name),
    ["etcd-3", "etcd-4", "etcd-5"],
  );
  assert.equal(h.state.health.healthy, true);
  assert.deepEqual(healthOf(h.state), {
    healthy: true,
    reason: "cluster is healthy",
    phase: "mutable",
  });
  assert.equal(w.members.length, 3, "etcd lists the seed and the two new members");
});

Deno.test("the survivor with the highest raft index is seeded; the others are fenced first", () => {
  const { h, w } = completeCluster(5);
  w.index.set("etcd-4", 120).set("etcd-5", 130);
  const seen = lose(h, w, ["etcd-1", "etcd-2", "etcd-3"]);
  seen.push(...run(h, w, 120_000));
  const ranked = logs(seen, "reseed: survivors ranked by raft index")[0];
  assert.equal(ranked?.fields.ranking, "etcd-5@130, etcd-4@120");
  assert.deepEqual(w.orders, ["stop etcd-4", "reseed etcd-5"]);
  const order = key(seen);
  assert.ok(order.indexOf("order stop etcd-4") < order.indexOf("order reseed etcd-5"));
  assert.ok(order.indexOf("order reseed etcd-5") < order.indexOf("kill etcd-4"), order.join());
  assert.equal(w.members[0]!.name, "etcd-5", "the seed leads the regrown cluster");
  assert.equal(h.state.reseed, undefined);
  assert.equal(h.state.counters.cluster_reseeds, 1);
});

Deno.test("a seed that fails is fenced again and the next candidate is seeded", () => {
  const { h, w } = completeCluster(5);
  w.index.set("etcd-4", 120).set("etcd-5", 130);
  w.failSeed.add("etcd-5");
  lose(h, w, ["etcd-1", "etcd-2", "etcd-3"]);
  const seen = run(h, w, 120_000);
  assert.deepEqual(w.orders, ["stop etcd-4", "reseed etcd-5", "stop etcd-5", "reseed etcd-4"]);
  const failed =
    logs(seen, "reseed: seed failed; fencing it again and trying the next candidate")[0];
  assert.equal(failed?.fields.seed, "etcd-5");
  assert.match(String(failed?.fields.reason), /its executor reported: etcd exited/);
  assert.deepEqual(
    ofType(seen, "kill").map((k) => k.taskId.split(" ")[0]),
    ["etcd-5"],
    "the failed seed is killed only after etcd-4 is healthy",
  );
  assert.equal(w.members[0]!.name, "etcd-4");
  assert.equal(h.state.members.filter((m) => m.taskState === "TASK_RUNNING").length, 5);
});

Deno.test("a seed that is not healthy within the bound is fenced again; none left → abort", () => {
  const { h, w } = completeCluster(3);
  w.hangSeed.add("etcd-3");
  lose(h, w, ["etcd-1", "etcd-2"]);
  const seen = run(h, w, 65_000);
  assert.deepEqual(w.orders, ["reseed etcd-3"]);
  assert.equal(healthOf(h.state).reason, "reseeding: seeding etcd-3");
  seen.push(...run(h, w, 65_000));
  assert.deepEqual(w.orders, ["reseed etcd-3", "stop etcd-3"]);
  assert.match(
    String(
      logs(seen, "reseed: seed failed; fencing it again and trying the next candidate")[0]?.fields
        .reason,
    ),
    /not healthy within 60s/,
  );
  const aborted = logs(seen, "reseed aborted")[0];
  assert.match(String(aborted?.fields.reason), /no candidate left \(failed: etcd-3\)/);
  assert.equal(ofType(seen, "kill").length, 0, "nothing is killed without a healthy seed");
  assert.equal(h.state.reseed, undefined);
  const later = run(h, w, 50_000);
  assert.deepEqual(w.orders, ["reseed etcd-3", "stop etcd-3"], "a new attempt needs a new window");
  assert.equal(destructive(later).length, 0);
});

Deno.test("a flapping cluster never qualifies: the window restarts with every quorum", () => {
  const { h, w } = completeCluster(3, { memberGracePeriodMs: 600_000 });
  const seen: Effect[] = [];
  for (let round = 0; round < 4; round++) {
    w.unreachable.add("etcd-1").add("etcd-2");
    seen.push(...run(h, w, 50_000));
    w.unreachable.clear();
    seen.push(...run(h, w, 5_000));
  }
  assert.equal(destructive(seen).length, 0, "no order, kill or removal");
  assert.equal(h.state.counters.cluster_reseeds, 0);
  assert.equal(h.state.counters.cluster_livelocks, 4, "each episode counted once");
  assert.equal(logs(seen, "quorum is back").length, 4);
});

Deno.test("with auto-reseed off only an operator's request reseeds", () => {
  const { h, w } = completeCluster(3, { autoReseed: false });
  lose(h, w, ["etcd-1", "etcd-2"]);
  const waited = run(h, w, 300_000);
  assert.equal(destructive(waited).length, 0);
  assert.equal(h.state.reseed, undefined);
  assert.match(healthOf(h.state).reason, /only 1 of 3 voting members reachable/);

  const fx = h.feed({ type: "admin", action: "reseed", requestId: 7 });
  const reply = ofType(fx, "adminReply")[0];
  assert.equal(reply?.requestId, 7);
  assert.equal(reply?.accepted, true);
  assert.match(
    reply!.message,
    /^reseed-1 started: quorum lost .* best survivor so far etcd-3/,
  );
  const rest = settle(h, w, fx, 7);
  rest.push(...run(h, w, 30_000));
  assert.deepEqual(w.orders, ["reseed etcd-3"]);
  assert.equal(h.state.members.filter((m) => m.taskState === "TASK_RUNNING").length, 3);
  assert.equal(h.state.health.healthy, true);
});

Deno.test("an operator's reseed is refused while quorum holds or a reseed runs", () => {
  const { h, w } = completeCluster(3);
  const fx = h.feed({ type: "admin", action: "reseed", requestId: 1 });
  const refused = ofType(fx, "adminReply")[0];
  assert.equal(refused?.accepted, false);
  assert.match(
    refused!.message,
    /^quorum is not lost: 3 of 3 voting members reachable \(quorum 2\), leader 1$/,
  );
  assert.equal(destructive(fx).length, 0);
  const refusal = logs(fx, "operator reseed refused")[0];
  assert.match(String(refusal?.fields.evidence), /etcd-1: reachable index=100 term=2 leader=1/);

  lose(h, w, ["etcd-1", "etcd-2"]);
  w.holdOrders = true;
  assert.equal(
    ofType(h.feed({ type: "admin", action: "reseed", requestId: 2 }), "adminReply")[0]?.accepted,
    true,
  );
  assert.deepEqual(
    ofType(h.feed({ type: "admin", action: "reseed", requestId: 3 }), "adminReply"),
    [{
      type: "adminReply",
      requestId: 3,
      accepted: false,
      message: "a reseed is already running (confirming)",
    }],
  );
});

Deno.test("no survivor at all: said loudly, nothing destructive", () => {
  const { h, w } = completeCluster(3);
  w.unreachable.add("etcd-1").add("etcd-2").add("etcd-3");
  const seen = run(h, w, 120_000);
  assert.equal(destructive(seen).length, 0, "no order, kill or removal");
  assert.equal(logs(seen, /NO SURVIVOR/).length, 1, "logged once");
  assert.equal(ofType(seen, "log").find((l) => /NO SURVIVOR/.test(l.msg))?.level, "error");
  assert.match(healthOf(h.state).reason, /^no survivor: no member answered/);
  assert.equal(statsOf(h.state).no_survivor, 1);
  assert.equal(h.state.counters.cluster_reseeds, 0);

  // One comes back: the reseed goes on from it.
  w.unreachable.delete("etcd-3");
  const back = run(h, w, 20_000);
  assert.equal(statsOf(h.state).no_survivor, 0);
  assert.deepEqual(w.orders.slice(0, 3), ["stop etcd-1", "stop etcd-2", "reseed etcd-3"]);
  assert.ok(key(back).includes("kill etcd-1"));
});

Deno.test("total loss: no survivor; an operator's reseed is refused", () => {
  const { h, w } = completeCluster(3);
  const fx = [...lose(h, w, ["etcd-1", "etcd-2", "etcd-3"]), ...run(h, w, 120_000)];
  assert.equal(destructive(fx).length, 0);
  assert.equal(statsOf(h.state).no_survivor, 1);
  const reply = ofType(h.feed({ type: "admin", action: "reseed" }), "adminReply")[0];
  assert.equal(reply?.accepted, false);
  assert.match(reply!.message, /^no survivor: every member task is gone/);
  assert.match(healthOf(h.state).reason, /^no survivor/);
});
