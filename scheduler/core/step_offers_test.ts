import assert from "node:assert/strict";
import type { Offer } from "../../lib/mesos/types.ts";
import type { Effect } from "./effects.ts";
import {
  Harness,
  offer,
  ofType,
  settle,
  status,
  summarize,
  World,
} from "./testing/scenario_world.ts";

/** [what, offers, expected effects] — with a member wanted (fresh harness, reconciled). */
const misfits: [string, Offer[], string[]][] = [
  ["too little cpu is declined with the short filter", [offer(1, { cpus: 1 })], [
    "decline 1 for 15s",
  ]],
  ["too little mem is declined with the short filter", [offer(1, { mem: 200 })], [
    "decline 1 for 15s",
  ]],
  ["too little disk is declined with the short filter", [offer(1, { disk: 100 })], [
    "decline 1 for 15s",
  ]],
  ["no ports is declined with the short filter", [offer(1, { ports: [] })], [
    "decline 1 for 15s",
  ]],
  ["one port is not enough", [offer(1, { ports: [[31000, 31000]] })], ["decline 1 for 15s"]],
  ["a fitting offer after a misfit is used", [offer(1, { cpus: 0.5 }), offer(2)], [
    "decline 1 for 15s",
    "launch etcd-1 new on a2",
  ]],
  ["only one offer is used; the rest are declined as not needed", [offer(1), offer(2)], [
    "decline 1 for 3600s",
    "launch etcd-1 new on a1",
  ]],
  ["exactly limits plus the executor share fits", [offer(1, { cpus: 1.1, mem: 288, disk: 512 })], [
    "launch etcd-1 new on a1",
  ]],
];

for (const [what, offers, expected] of misfits) {
  Deno.test(`offers: ${what}`, () => {
    const h = new Harness();
    h.connect();
    assert.deepEqual(summarize(h.feed({ type: "offers", offers })), expected);
  });
}

Deno.test("offers: ports come from any range, not assuming consecutive ports", () => {
  const h = new Harness();
  h.connect();
  const fx = h.feed({
    type: "offers",
    offers: [offer(1, { ports: [[31007, 31007], [31002, 31002], [40000, 40010]] })],
  });
  const launch = ofType(fx, "launch")[0]!;
  assert.equal(launch.member.peerPort, 31002);
  assert.equal(launch.member.clientPort, 31007);
  assert.equal(launch.member.taskId, "etcd-1 h1 31002 31007");
});

Deno.test("offers: an agent that already runs a member is declined with the long filter", () => {
  const h = new Harness();
  const w = new World();
  settle(h, w, [...h.connect(), ...h.feed({ type: "offers", offers: [offer(1)] })]);
  const fx = h.feed({ type: "offers", offers: [offer(1)] });
  assert.deepEqual(summarize(fx), ["decline 1 for 3600s"]);
});

Deno.test("offers: placement by hostname keeps members on distinct hosts", () => {
  const h = new Harness({
    clusterSize: 3,
    cpus: 1,
    memMb: 256,
    diskMb: 512,
    placement: { kind: "hostname" },
    staticBootstrapGatherMs: 0,
  });
  const w = new World();
  settle(h, w, [...h.connect(), ...h.feed({ type: "offers", offers: [offer(1)] })]);
  const sameHost = { ...offer(2), hostname: "h1" };
  const fx = h.feed({ type: "offers", offers: [sameHost, offer(3)] });
  assert.deepEqual(summarize(fx), ["decline 1 for 3600s", "addLearner etcd-2"]);
  assert.equal(h.state.change?.kind === "add" && h.state.change.launch?.agentId, "a3");
});

Deno.test("offers: with spreading disabled a second member may share an agent", () => {
  const h = new Harness({
    clusterSize: 3,
    cpus: 1,
    memMb: 256,
    diskMb: 512,
    placement: { kind: "any" },
    staticBootstrapGatherMs: 0,
  });
  const w = new World();
  settle(h, w, [...h.connect(), ...h.feed({ type: "offers", offers: [offer(1)] })]);
  const fx = h.feed({ type: "offers", offers: [offer(1, { ports: [[32000, 32010]] })] });
  assert.deepEqual(summarize(fx), ["addLearner etcd-2"]);
});

Deno.test("offers: declined while disconnected, and a held offer is lost on disconnect", () => {
  const h = new Harness();
  h.connect();
  h.feed({ type: "disconnected", reason: "stream closed" });
  assert.deepEqual(summarize(h.feed({ type: "offers", offers: [offer(1)] })), [
    "decline 1 for 3600s",
  ]);
});

Deno.test("status: updates with a uuid are acknowledged, reconciliation answers are not", () => {
  const h = new Harness();
  h.connect();
  const withUuid = h.feed({ type: "status", status: status("x", "TASK_LOST", { uuid: true }) });
  assert.equal(ofType(withUuid, "acknowledge").length, 1);
  assert.deepEqual(ofType(withUuid, "acknowledge")[0]!.status.uuid, new Uint8Array(16).fill(7));
  const without = h.feed({ type: "status", status: status("y", "TASK_LOST") });
  assert.equal(ofType(without, "acknowledge").length, 0);
});

Deno.test("adoption: RUNNING tasks seen during reconciliation rebuild the members", () => {
  const h = new Harness();
  h.feed({ type: "subscribed", frameworkId: "fw-1" });
  const ids = ["etcd-4 h1 31100 31101", "etcd-7 h2 31200 31201", "etcd-5 h3 31300 31301"];
  const fx = ids.flatMap((id, i) =>
    h.feed({ type: "status", status: status(id, "TASK_RUNNING", { agentId: `a${i + 1}` }) })
  );
  assert.equal(ofType(fx, "acknowledge").length, 0);
  assert.deepEqual(summarize(fx).filter((l) => l.startsWith("probe")).at(0), "probe etcd-4");
  assert.deepEqual(h.state.members.map((m) => [m.name, m.agentId, m.hostname, m.clientPort]), [
    ["etcd-4", "a1", "h1", 31101],
    ["etcd-7", "a2", "h2", 31201],
    ["etcd-5", "a3", "h3", 31301],
  ]);
  assert.equal(h.state.nextIndex, 8, "new names continue after the highest adopted one");
  assert.equal(h.state.reconciled, false);
  const done = h.tick(1_000); // the master fell quiet: reconciliation is over
  assert.deepEqual(summarize(done).filter((l) => /launch|revive|addLearner/.test(l)), []);
});

Deno.test("adoption: after failover the cluster is complete without launches; a gap is filled", () => {
  const h = new Harness();
  const w = new World();
  settle(h, w, [...h.connect(), ...h.feed({ type: "offers", offers: [offer(1), offer(2)] })]);
  // A new scheduler process: same framework, empty state, same world.
  const h2 = new Harness();
  const fx = h2.feed({ type: "subscribed", frameworkId: "fw-1" });
  for (const [taskId, t] of w.tasks) {
    if (t.launch.name === "etcd-3") continue; // etcd-3 died while no scheduler ran
    fx.push(...h2.feed({
      type: "status",
      status: status(taskId, "TASK_RUNNING", { agentId: t.launch.agentId }),
    }));
  }
  w.end("etcd-3");
  assert.equal(ofType(fx, "probe").length, 1, "adopted members are probed");
  const rest = settle(h2, w, [...fx, ...h2.tick(1_000)]);
  const key = (all: Effect[]) =>
    summarize(all).filter((l) => /launch|addLearner|remove|promote/.test(l));
  assert.deepEqual(key(rest), ["remove etcd-3"], "the dead member leaves etcd first");
  const offers = h2.feed({ type: "offers", offers: [offer(1), offer(2), offer(3)] });
  assert.deepEqual(key(settle(h2, w, offers)), [
    "addLearner etcd-4",
    "launch etcd-4 existing on a3",
    "promote etcd-4",
  ]);
});

Deno.test("adoption: a task id that is not ours is ignored with a warning", () => {
  const h = new Harness();
  h.feed({ type: "subscribed", frameworkId: "fw-1" });
  const fx = h.feed({ type: "status", status: status("something-else", "TASK_RUNNING") });
  assert.equal(h.state.members.length, 0);
  assert.ok(
    ofType(fx, "log").some((l) => l.level === "warn" && l.fields.task === "something-else"),
  );
});

Deno.test("subscribe again: known tasks are reconciled explicitly as well", () => {
  const h = new Harness();
  const w = new World();
  settle(h, w, [...h.connect(), ...h.feed({ type: "offers", offers: [offer(1), offer(2)] })]);
  h.feed({ type: "disconnected" });
  const fx = h.feed({ type: "subscribed", frameworkId: "fw-1" });
  assert.deepEqual(summarize(fx), ["reconcile 0", "reconcile 3"], "no persist: id unchanged");
  assert.deepEqual(ofType(fx, "reconcile")[1]!.tasks[0], {
    taskId: "etcd-1 h1 31100 31101",
    agentId: "a1",
  });
});
