import assert from "node:assert/strict";
import {
  Harness,
  offer,
  ofType,
  settle,
  status,
  summarize,
  World,
} from "./testing/scenario_world.ts";

function bootstrapped(): { h: Harness; w: World } {
  const h = new Harness();
  const w = new World();
  settle(h, w, [...h.connect(), ...h.feed({ type: "offers", offers: [offer(1), offer(2)] })], 5, {
    answerRevive: false,
  });
  return { h, w };
}

Deno.test("a joining task stuck before TASK_RUNNING is killed and its learner removed", () => {
  const { h, w } = bootstrapped();
  const add = h.feed({ type: "offers", offers: [offer(2)] });
  const launched = h.feed(w.answer(add.find((e) => e.type === "etcdAddLearner")!)!);
  assert.deepEqual(summarize(launched), ["launch etcd-2 existing on a2"]);
  let fx = h.tick(60_000);
  for (let i = 0; i < 4 && ofType(fx, "kill").length === 0; i++) fx = h.tick(60_000);
  assert.deepEqual(summarize(fx).filter((l) => /kill|remove/.test(l)), [
    "kill etcd-2",
    "remove etcd-2",
  ]);
  assert.match(ofType(fx, "kill")[0]!.reason, /not TASK_RUNNING after 300s/);
  assert.equal(h.now - launchedAt(h), 300_000);
});

function launchedAt(h: Harness): number {
  return h.state.members.find((m) => m.name === "etcd-2")!.launchedAt!;
}

Deno.test("a running learner found after failover is taken over and promoted", () => {
  const h = new Harness();
  const w = new World();
  w.members = [
    { id: "1", name: "etcd-1", peerUrls: ["http://h1:31100"], isLearner: false },
    { id: "2", name: "etcd-2", peerUrls: ["http://h2:31200"], isLearner: true },
  ];
  const fx = h.feed({ type: "subscribed", frameworkId: "fw-1" });
  for (const [name, host, port] of [["etcd-1", "h1", 31100], ["etcd-2", "h2", 31200]] as const) {
    const taskId = `${name} ${host} ${port} ${port + 1}`;
    const agentId = host.replace("h", "a");
    w.tasks.set(taskId, {
      launch: { name, hostname: host, peerPort: port, agentId, taskId } as never,
      state: "TASK_RUNNING",
    });
    fx.push(...h.feed({ type: "status", status: status(taskId, "TASK_RUNNING", { agentId }) }));
  }
  const all = settle(h, w, [...fx, ...h.tick(1_000)]);
  const key = summarize(all).filter((l) => /promote|addLearner|launch|remove/.test(l));
  assert.deepEqual(key, ["promote etcd-2"]);
  assert.equal(w.members.every((m) => !m.isLearner), true);
  assert.ok(ofType(all, "log").some((l) => l.msg === "taking over a running learner"));
});

Deno.test("an etcd member without a task is removed (rate-limited, with its reason)", () => {
  const h = new Harness();
  const w = new World();
  settle(h, w, [...h.connect(), ...h.feed({ type: "offers", offers: [offer(1), offer(2)] })]);
  w.members.push({ id: "99", name: "", peerUrls: ["http://h9:9"], isLearner: true });
  const fx = settle(h, w, h.tick(5_000));
  const remove = ofType(fx, "etcdRemove")[0];
  assert.ok(remove !== undefined);
  assert.equal(remove.memberId, "99");
  assert.match(remove.reason, /has no task/);
  assert.equal(w.members.length, 3);
});

Deno.test("no probe is sent while one is in flight; a lost probe is retried after the timeout", () => {
  const { h } = bootstrapped();
  const first = h.tick(5_000);
  assert.equal(ofType(first, "probe").length, 1);
  assert.equal(ofType(h.tick(5_000), "probe").length, 0, "in flight");
  assert.equal(ofType(h.tick(24_999), "probe").length, 0, "still in flight at 29.999s");
  assert.equal(ofType(h.tick(1), "probe").length, 1, "retried after probeTimeoutMs (30s)");
});

Deno.test("step() rejects a non-finite time, naming it", () => {
  const h = new Harness();
  h.now = Number.NaN;
  assert.throws(() => h.feed({ type: "tick" }), /Cannot step at time NaN/);
});
