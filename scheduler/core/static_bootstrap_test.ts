import assert from "node:assert/strict";
import type { Effect } from "./effects.ts";
import {
  Harness,
  offer,
  ofType,
  settle,
  summarize,
  TEST_OPTIONS,
  World,
} from "./testing/scenario_world.ts";
import { Sim } from "./testing/sim_world.ts";
import { isSettled } from "./liveness.ts";

/** Three members, static bootstrap on: offers are held up to 3 s. */
const STATIC = { ...TEST_OPTIONS, staticBootstrapGatherMs: 3_000, launchTimeoutMs: 60_000 };

/** The launches of `effects` as "name state on agent [peers]". */
function launches(effects: readonly Effect[]): string[] {
  return ofType(effects, "launch").map((e) =>
    `${e.member.name} ${e.member.config.clusterState} on ${e.agentId} ` +
    `[${e.member.config.initialCluster.split(",").map((x) => x.split("=")[0]).join(",")}]`
  );
}

/** Feeds every launch's TASK_RUNNING and answers probes until quiet. */
function runAll(h: Harness, w: World, fx: Effect[]): Effect[] {
  return settle(h, w, fx, 5, { answerRevive: false });
}

Deno.test("static bootstrap: N offers in one event launch every member at once with one --initial-cluster", () => {
  const h = new Harness(STATIC);
  const w = new World();
  h.connect();
  const fx = h.feed({ type: "offers", offers: [offer(1), offer(2), offer(3), offer(4)] });
  assert.deepEqual(summarize(fx), [
    "decline 1 for 3600s",
    "launch etcd-1 new on a1",
    "launch etcd-2 new on a2",
    "launch etcd-3 new on a3",
  ]);
  const configs = ofType(fx, "launch").map((e) => e.member.config);
  assert.deepEqual(
    configs[0]!.initialCluster,
    "etcd-1=http://h1:31100,etcd-2=http://h2:31200,etcd-3=http://h3:31300",
  );
  assert.ok(configs.every((c) => c.initialCluster === configs[0]!.initialCluster));
  assert.ok(configs.every((c) => c.clusterToken === configs[0]!.clusterToken && !c.learner));
  assert.equal(h.state.change?.kind, "staticBootstrap");

  const all = runAll(h, w, fx);
  assert.equal(h.state.change, undefined);
  assert.equal(h.state.health.healthy, true);
  assert.equal(h.state.counters.members_added, 3);
  assert.ok(ofType(all, "log").some((l) => l.msg === "static bootstrap formed: 3/3 members"));
  // No joins at all: no learner was added.
  assert.deepEqual(ofType(all, "etcdAddLearner"), []);
  assert.ok(summarize(all).includes("suppress"));
});

Deno.test("static bootstrap: offers of several events are held until N distinct agents are held", () => {
  const h = new Harness(STATIC);
  h.connect();
  const first = h.feed({ type: "offers", offers: [offer(1)] });
  assert.deepEqual(summarize(first), []);
  h.now += 500;
  // A second offer on a held agent is not a second member's place.
  const again = h.feed({ type: "offers", offers: [offer(1), offer(2)] });
  assert.deepEqual(summarize(again), ["decline 1 for 3600s"]);
  h.now += 500;
  const third = h.feed({ type: "offers", offers: [offer(3)] });
  assert.deepEqual(launches(third), [
    "etcd-1 new on a1 [etcd-1,etcd-2,etcd-3]",
    "etcd-2 new on a2 [etcd-1,etcd-2,etcd-3]",
    "etcd-3 new on a3 [etcd-1,etcd-2,etcd-3]",
  ]);
});

Deno.test("static bootstrap: too few agents within the bound falls back to one member, then joins", () => {
  const h = new Harness(STATIC);
  const w = new World();
  h.connect();
  assert.deepEqual(summarize(h.feed({ type: "offers", offers: [offer(1), offer(2)] })), []);
  const timer = ofType(h.history, "armTimer").at(-1)!;
  assert.equal(timer.at, h.now + 3_000, "the gather bound is armed");
  h.now += 1_000;
  assert.deepEqual(launches(h.feed({ type: "tick" })), [], "still within the bound");
  const fx = h.tick(2_000);
  assert.deepEqual(summarize(fx).filter((l) => !l.startsWith("probe")), [
    "decline 1 for 15s",
    "launch etcd-1 new on a1",
  ]);
  assert.deepEqual(launches(fx), ["etcd-1 new on a1 [etcd-1]"]);
  // From here the one-by-one path brings the others in as learners.
  const all = settle(h, w, fx, 3);
  assert.deepEqual(ofType(all, "etcdAddLearner").map((e) => e.member.name), ["etcd-2", "etcd-3"]);
  assert.equal(h.state.health.healthy, true);
  assert.equal(h.state.members.length, 3);
});

Deno.test("static bootstrap: a member that fails while a quorum forms is replaced by the repair path", () => {
  const h = new Harness(STATIC);
  const w = new World();
  h.connect();
  const fx = h.feed({ type: "offers", offers: [offer(1), offer(2), offer(3)] });
  for (const e of fx) w.answer(e);
  const [l1, l2, l3] = ofType(fx, "launch").map((e) => e.member.taskId) as [string, string, string];
  const started = [...h.feed(w.running(l1)), ...h.feed(w.running(l2))];
  w.tasks.get(l3)!.state = "TASK_STAGING";
  h.now += 10;
  const failed = h.feed(w.end("etcd-3"));
  assert.equal(h.state.change?.kind, "staticBootstrap", "two of three can still form a quorum");
  assert.deepEqual(ofType(failed, "kill"), []);
  // The two form the cluster; etcd-3 is configured but dead: removed, then a new member joins.
  const all = settle(h, w, [...started, ...failed], 5);
  for (let i = 0; i < 2; i++) all.push(...settle(h, w, h.tick(5_000), 5));
  assert.equal(h.state.offersWanted, true, h.state.lastWaitReason ?? "");
  all.push(...settle(h, w, h.feed({ type: "offers", offers: [offer(4)] }), 5));
  const order = summarize(all).filter((l) => /^(launch|addLearner|promote|remove)/.test(l));
  assert.deepEqual(order, [
    "remove etcd-3",
    "addLearner etcd-4",
    "launch etcd-4 existing on a4",
    "promote etcd-4",
  ]);
  assert.ok(ofType(all, "log").some((l) => l.msg === "static bootstrap formed: 2/3 members"));
  assert.equal(h.state.health.healthy, true);
  assert.deepEqual(h.state.members.map((m) => m.name).sort(), ["etcd-1", "etcd-2", "etcd-4"]);
});

Deno.test("static bootstrap: when no quorum can form, every member is stopped and members come up one at a time", () => {
  const h = new Harness(STATIC);
  const w = new World();
  h.connect();
  const fx = h.feed({ type: "offers", offers: [offer(1), offer(2), offer(3)] });
  for (const e of fx) w.answer(e);
  const [l1] = ofType(fx, "launch").map((e) => e.member.taskId) as [string];
  h.feed(w.running(l1));
  h.now += 10;
  h.feed(w.end("etcd-2"));
  h.now += 10;
  const lost = h.feed(w.end("etcd-3"));
  assert.deepEqual(summarize(lost).filter((l) => l.startsWith("kill")), ["kill etcd-1"]);
  assert.equal(h.state.change, undefined);
  assert.match(h.state.lastWaitReason ?? "", /stopping the members of a failed static bootstrap/);
  // Offers wait until the stopped member ended.
  h.now += 10;
  assert.deepEqual(launches(h.feed({ type: "offers", offers: [offer(4)] })), []);
  h.now += 10;
  const ended = h.feed(w.end("etcd-1", "TASK_KILLED"));
  assert.deepEqual(h.state.members, []);
  assert.equal(h.state.etcdMembers, undefined);
  assert.ok(summarize(ended).includes("revive"));
  h.now += 10;
  const again = h.feed({ type: "offers", offers: [offer(4), offer(5), offer(6)] });
  assert.deepEqual(launches(again), ["etcd-4 new on a4 [etcd-4]"], "one by one this time");
});

Deno.test("static bootstrap: a cluster not healthy within the launch timeout is stopped", () => {
  const h = new Harness(STATIC);
  const w = new World();
  h.connect();
  const fx = h.feed({ type: "offers", offers: [offer(1), offer(2), offer(3)] });
  for (const e of fx) w.answer(e);
  for (const e of ofType(fx, "launch")) h.feed(w.running(e.member.taskId));
  // Nobody answers: the members run but never form a cluster.
  for (const name of ["etcd-1", "etcd-2", "etcd-3"]) w.unreachable.add(name);
  let kills: string[] = [];
  for (let t = 0; t < 70 && kills.length === 0; t++) {
    const out = h.tick(1_000);
    for (const e of out) {
      const answer = w.answer(e);
      if (answer?.type === "probe") out.push(...h.feed(answer));
    }
    kills = summarize(out).filter((l) => l.startsWith("kill"));
  }
  assert.deepEqual(kills, ["kill etcd-1", "kill etcd-2", "kill etcd-3"]);
  assert.ok(h.now - 1_000_000 >= 60_000 && h.now - 1_000_000 <= 62_000, "at the bound");
});

Deno.test("static bootstrap: a rescinded held offer is forgotten", () => {
  const h = new Harness(STATIC);
  h.connect();
  const [o1, o2] = [offer(1), offer(2)];
  h.feed({ type: "offers", offers: [o1, o2] });
  h.feed({ type: "rescind", offerId: o1.id.value });
  assert.deepEqual(h.state.staticBootstrap?.gather?.offers.map((x) => x.id.value), [o2.id.value]);
  const fx = h.feed({ type: "offers", offers: [offer(3), offer(4)] });
  assert.deepEqual(ofType(fx, "launch").map((e) => e.agentId), ["a2", "a3", "a4"]);
});

Deno.test("static bootstrap: a reconnect releases the held offers", () => {
  const h = new Harness(STATIC);
  h.connect();
  h.feed({ type: "offers", offers: [offer(1)] });
  h.now += 10;
  h.feed({ type: "disconnected" });
  assert.equal(h.state.staticBootstrap?.gather, undefined);
  assert.deepEqual(ofType(h.history, "decline"), [], "offers of a lost subscription are void");
});

Deno.test("static bootstrap: the simulated world's first bring-up launches all members at once", () => {
  const sim = new Sim({ seed: 7, core: { ...STATIC, healthIntervalMs: 2_000 }, agents: 6 });
  sim.restartScheduler();
  for (let i = 0; i < 30 && !isSettled(sim.state); i++) sim.advance(1_000);
  assert.ok(isSettled(sim.state));
  assert.equal(sim.state.counters.launched_servers, 3);
  assert.ok(sim.log.some((l) => l.includes("static bootstrap formed: 3/3 members")));
  assert.equal(sim.epochs.length, 1);
});
