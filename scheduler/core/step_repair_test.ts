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
import type { CoreOptions } from "./state.ts";

/** A harness with a complete, healthy cluster of `size` members on agents a1..a<size>. */
function complete(size = 3, options: Partial<CoreOptions> = {}): { h: Harness; w: World } {
  const h = new Harness({ ...TEST_OPTIONS, clusterSize: size, ...options });
  const w = new World();
  settle(h, w, [...h.connect(), ...h.feed({ type: "offers", offers: [offer(1), offer(2)] })], 7);
  assert.equal(h.state.members.length, size);
  assert.equal(h.state.suppressed, true);
  return { h, w };
}

const key = (fx: Effect[]) =>
  summarize(fx).filter((l) => /^(launch|addLearner|promote|remove|kill|revive|suppress)/.test(l));

Deno.test("kill -9 of a member: terminal status → etcd remove → replacement learner → promote", () => {
  const { h, w } = complete(3);
  const first = h.feed(w.end("etcd-2", "TASK_FAILED"));
  assert.deepEqual(summarize(first), ["ack etcd-2", "remove etcd-2"]);
  assert.equal(ofType(first, "kill").length, 0, "a terminal task is not killed again");
  assert.match(ofType(first, "etcdRemove")[0]!.reason, /TASK_FAILED/);
  const rest = settle(h, w, first);
  assert.deepEqual(key(rest), [
    "remove etcd-2",
    "revive",
    "addLearner etcd-4",
    "launch etcd-4 existing on a2",
    "promote etcd-4",
    "suppress",
  ]);
  const launch = ofType(rest, "launch")[0]!;
  assert.equal(launch.member.config.initialCluster.includes("h2:31200"), true);
  assert.equal(launch.member.config.initialCluster.split(",").length, 3, "dead member not listed");
  assert.equal(h.state.counters.failed_servers, 1);
  assert.equal(h.state.counters.members_removed, 1);
  assert.deepEqual(h.state.members.map((m) => m.name), ["etcd-1", "etcd-3", "etcd-4"]);
});

Deno.test("a member unreachable beyond the grace period is killed and replaced", () => {
  const { h, w } = complete(3, { memberGracePeriodMs: 30_000 });
  w.unreachable.add("etcd-2");
  const seen: Effect[] = [];
  for (let t = 0; t < 25_000; t += 5_000) seen.push(...settle(h, w, h.tick(5_000)));
  assert.equal(ofType(seen, "kill").length, 0, "no kill within the grace period");
  assert.ok(h.state.members.find((m) => m.name === "etcd-2")!.unreachableSince !== undefined);
  for (let t = 0; t < 15_000 && ofType(seen, "kill").length === 0; t += 5_000) {
    seen.push(...settle(h, w, h.tick(5_000)));
  }
  const kill = ofType(seen, "kill")[0];
  assert.ok(kill !== undefined, "killed after the grace period");
  assert.match(kill.taskId, /^etcd-2 /);
  assert.match(kill.reason, /unreachable for 3\ds/);
  assert.deepEqual(key(seen), [
    "kill etcd-2",
    "remove etcd-2",
    "revive",
    "addLearner etcd-4",
    "launch etcd-4 existing on a2",
    "promote etcd-4",
    "suppress",
  ]);
  assert.equal(h.state.counters.tasks_killed, 1);
  assert.equal(h.state.counters.failed_servers, 0, "our own kill is not a failure");
});

Deno.test("destructive steps are rate-limited: a second dead member waits the interval", () => {
  const { h, w } = complete(5, { destructiveIntervalMs: 60_000 });
  const fx = [...h.feed(w.end("etcd-2")), ...h.feed(w.end("etcd-3"))];
  const all = settle(h, w, fx);
  assert.deepEqual(key(all), ["remove etcd-2"], "only one removal now, and no add before it");
  const waits = ofType(all, "log").filter((l) => l.msg === "waiting").map((l) => l.fields.reason);
  assert.ok(
    waits.some((r) => /^rate limited for \d+s: retire etcd-3/.test(String(r))),
    String(waits),
  );
  const timer = ofType(all, "armTimer").at(-1)!;
  assert.ok(timer.at <= h.now + 60_000, "a timer wakes the core when the limit ends");
  const early = settle(h, w, h.tick(30_000));
  assert.equal(ofType(early, "etcdRemove").length, 0);
  const later = settle(h, w, h.tick(30_000));
  assert.deepEqual(key(later).slice(0, 3), ["remove etcd-3", "revive", "addLearner etcd-6"]);
  assert.equal(h.state.counters.destructive_deferred, 1);
});

/** A harness whose first member is up and healthy, waiting for an offer for member 2. */
function bootstrapped(): { h: Harness; w: World } {
  const h = new Harness();
  const w = new World();
  const boot = [...h.connect(), ...h.feed({ type: "offers", offers: [offer(1), offer(2)] })];
  const fx = settle(h, w, boot, 5, { answerRevive: false });
  assert.equal(summarize(fx).at(-1), "revive");
  return { h, w };
}

Deno.test("a learner whose task fails while joining is removed from etcd before the next try", () => {
  const { h, w } = bootstrapped();
  const add = h.feed({ type: "offers", offers: [offer(2)] });
  assert.deepEqual(summarize(add), ["addLearner etcd-2"]);
  const launched = h.feed(w.answer(add.find((e) => e.type === "etcdAddLearner")!)!);
  assert.deepEqual(summarize(launched), ["launch etcd-2 existing on a2"]);
  w.answer(launched[0]!);
  const failed = h.feed(w.end("etcd-2", "TASK_FAILED"));
  assert.deepEqual(summarize(failed), ["ack etcd-2", "remove etcd-2"]);
  assert.match(ofType(failed, "etcdRemove")[0]!.reason, /TASK_FAILED while joining/);
  const rest = settle(h, w, failed);
  assert.deepEqual(key(rest), ["remove etcd-2"]);
  assert.equal(w.members.length, 1, "the failed learner is gone from etcd");
  assert.equal(h.state.offersWanted, true, "a new member is wanted again");
  const retry = h.feed({ type: "offers", offers: [offer(3)] });
  assert.deepEqual(summarize(retry), ["addLearner etcd-3"]);
  assert.equal(h.state.counters.failed_servers, 1);
});

Deno.test("an offer rescinded while the learner is being added rolls the learner back", () => {
  const { h, w } = bootstrapped();
  const add = h.feed({ type: "offers", offers: [offer(2, { id: "held" })] });
  assert.deepEqual(summarize(add), ["addLearner etcd-2"]);
  h.feed({ type: "rescind", offerId: "held" });
  const result = h.feed(w.answer(add.find((e) => e.type === "etcdAddLearner")!)!);
  assert.deepEqual(summarize(result), ["remove etcd-2"]);
  assert.equal(ofType(result, "launch").length, 0, "never launched on a rescinded offer");
});

Deno.test("losing every member is a total cluster loss: locked, offers declined", () => {
  const { h, w } = complete(1);
  const fx = h.feed(w.end("etcd-1", "TASK_LOST"));
  assert.equal(h.state.lost, true);
  assert.ok(ofType(fx, "log").some((l) => l.level === "error" && /TOTAL CLUSTER LOSS/.test(l.msg)));
  const offers = h.feed({ type: "offers", offers: [offer(3)] });
  assert.deepEqual(summarize(offers), ["decline 1 for 3600s"]);
});

Deno.test("a FAILURE of an agent starts the member's grace clock and re-probes", () => {
  const { h } = complete(3);
  const fx = h.feed({ type: "failure", agentId: "a2" });
  assert.ok(h.state.members.find((m) => m.name === "etcd-2")!.unreachableSince === h.now);
  assert.deepEqual(summarize(fx), ["probe etcd-1,etcd-2,etcd-3"]);
});

Deno.test("an unanswered learner add gives back the held offer and retries later", () => {
  const { h } = bootstrapped();
  const add = h.feed({ type: "offers", offers: [offer(2, { id: "held" })] });
  assert.deepEqual(summarize(add), ["addLearner etcd-2"]);
  assert.deepEqual(summarize(h.tick(29_000)).filter((l) => l.startsWith("decline")), []);
  const timeout = h.tick(1_000);
  assert.ok(summarize(timeout).includes("decline 1 for 15s"), summarize(timeout).join());
  assert.equal(h.state.change, undefined);
  assert.equal(h.state.retryAt, h.now + 5_000);
});

Deno.test("an add refused as unhealthy waits for etcd to settle and keeps the member's name", () => {
  const { h, w } = complete(3, { healthIntervalMs: 1_000 });
  w.refuseAdds = 1;
  const seen = settle(h, w, h.feed(w.end("etcd-2", "TASK_FAILED")));
  assert.deepEqual(key(seen), ["remove etcd-2", "revive", "addLearner etcd-4"]);
  const refusedAt = h.now;
  // No new attempt while etcd's 5 s settle window runs, even though probes run every 1 s.
  for (let t = 0; t < 4_000; t += 1_000) seen.push(...settle(h, w, h.tick(1_000)));
  assert.equal(ofType(seen, "etcdAddLearner").length, 1);
  for (let t = 0; t < 10_000 && h.state.members.length < 3; t += 1_000) {
    seen.push(...settle(h, w, h.tick(1_000)));
  }
  const adds = ofType(seen, "etcdAddLearner");
  assert.equal(adds.length, 2);
  assert.equal(adds[1]!.member.name, "etcd-4", "the refused name is reused");
  assert.ok(h.now - refusedAt >= 5_000);
  assert.deepEqual(h.state.members.map((m) => m.name), ["etcd-1", "etcd-3", "etcd-4"]);
});
