import assert from "node:assert/strict";
import type { Effect } from "./effects.ts";
import type { EtcdMemberView, Input } from "./inputs.ts";
import {
  Harness,
  offer,
  ofType,
  settle,
  status,
  summarize,
  World,
} from "./testing/scenario_world.ts";

const T1 = "etcd-1 h1 31100 31101";
const T2 = "etcd-2 h2 31200 31201";
const m1: EtcdMemberView = {
  id: "11",
  name: "etcd-1",
  peerUrls: ["http://h1:31100"],
  isLearner: false,
};
const m2 = (isLearner: boolean): EtcdMemberView => ({
  id: "22",
  name: isLearner ? "" : "etcd-2",
  peerUrls: ["http://h2:31200"],
  isLearner,
});
const up = (name: string, id: string, raftIndex: number, isLearner = false) => ({
  name,
  reachable: true,
  memberId: id,
  raftIndex,
  raftTerm: 2,
  leader: "11",
  isLearner,
});

/** [what the row proves, ms since the previous row, input, expected effect summary]. */
const bringUp: [string, number, Input, string[]][] = [
  ["subscribing persists the id and reconciles", 0, { type: "subscribed", frameworkId: "fw-1" }, [
    "persistFrameworkId",
    "reconcile 0",
  ]],
  ["offers are declined while reconciling (Immutable)", 10, {
    type: "offers",
    offers: [offer(1)],
  }, ["decline 1 for 3600s"]],
  ["a quiet second ends reconciliation: offers wanted again", 1_000, { type: "tick" }, [
    "revive",
  ]],
  ["the first member bootstraps a new cluster", 10, {
    type: "offers",
    offers: [offer(1), offer(2)],
  }, ["decline 1 for 3600s", "launch etcd-1 new on a1"]],
  ["TASK_RUNNING is acknowledged and probed", 10, {
    type: "status",
    status: status(T1, "TASK_RUNNING", { agentId: "a1", uuid: true }),
  }, ["ack etcd-1", "probe etcd-1"]],
  ["a healthy probe completes bootstrap; member 2 is wanted", 10, {
    type: "probe",
    results: [up("etcd-1", "11", 5)],
    linearizableReadOk: true,
    membership: [m1],
  }, ["revive"]],
  ["the used agent is skipped; etcd-2 is added as a learner first", 10, {
    type: "offers",
    offers: [offer(1), offer(2)],
  }, ["decline 1 for 3600s", "addLearner etcd-2"]],
  ["once added, the learner is launched with existing", 10, {
    type: "etcdResult",
    op: "addLearner",
    ok: true,
    memberId: "22",
    learner: true,
    members: [m1, m2(true)],
  }, ["launch etcd-2 existing on a2"]],
  ["offers during a change are declined", 10, { type: "offers", offers: [offer(3)] }, [
    "decline 1 for 3600s",
  ]],
  ["the learner runs", 10, {
    type: "status",
    status: status(T2, "TASK_RUNNING", { agentId: "a2", uuid: true }),
  }, ["ack etcd-2", "probe etcd-1,etcd-2"]],
  ["a learner far behind is not promoted", 10, {
    type: "probe",
    results: [up("etcd-1", "11", 100), up("etcd-2", "22", 10, true)],
    linearizableReadOk: true,
    membership: [m1, m2(true)],
  }, []],
  ["the health interval brings the next probe", 5000, { type: "tick" }, ["probe etcd-1,etcd-2"]],
  ["a caught-up learner is promoted", 10, {
    type: "probe",
    results: [up("etcd-1", "11", 100), up("etcd-2", "22", 95, true)],
    linearizableReadOk: true,
    membership: [m1, m2(true)],
  }, ["promote etcd-2"]],
  ["after the promotion a fresh probe is needed", 10, {
    type: "etcdResult",
    op: "promote",
    ok: true,
    members: [m1, m2(false)],
  }, ["probe etcd-1,etcd-2"]],
  ["a fresh healthy probe asks for member 3", 10, {
    type: "probe",
    results: [up("etcd-1", "11", 101), up("etcd-2", "22", 101)],
    linearizableReadOk: true,
    membership: [m1, m2(false)],
  }, ["revive"]],
];

Deno.test("step() brings up members one at a time: new, then learner add → launch → promote", () => {
  const h = new Harness();
  for (const [what, dt, input, expected] of bringUp) {
    h.now += dt;
    assert.deepEqual(summarize(h.feed(input)), expected, what);
  }
  assert.equal(h.state.counters.launched_servers, 2);
  assert.equal(h.state.counters.members_added, 2);
});

/** Asserts that at most one etcd membership call is outstanding at any time. */
function assertSerialChanges(effects: readonly Effect[]): void {
  let open = 0;
  for (const e of effects) {
    if (e.type === "etcdAddLearner" || e.type === "etcdPromote" || e.type === "etcdRemove") open++;
    if (e.type === "launch" && e.member.config.clusterState === "existing") open--;
    if (e.type === "etcdPromote" || e.type === "etcdRemove") open--;
    assert.ok(open <= 1, `more than one membership change in flight at ${JSON.stringify(e)}`);
  }
}

for (const size of [3, 5]) {
  Deno.test(`step() brings up ${size} members and then suppresses offers`, () => {
    const h = new Harness({
      clusterSize: size,
      cpus: 1,
      memMb: 256,
      diskMb: 512,
      staticBootstrapGatherMs: 0,
    });
    const w = new World();
    const first = [...h.connect(), ...h.feed({ type: "offers", offers: [offer(1), offer(2)] })];
    const all = settle(h, w, first, size + 2);
    const order = summarize(all).filter((l) => /^(launch|addLearner|promote|suppress)/.test(l));
    const expected = ["launch etcd-1 new on a1"];
    for (let n = 2; n <= size; n++) {
      expected.push(
        `addLearner etcd-${n}`,
        `launch etcd-${n} existing on a${n}`,
        `promote etcd-${n}`,
      );
    }
    expected.push("suppress");
    assert.deepEqual(order, expected);
    assertSerialChanges(all);
    assert.equal(h.state.members.length, size);
    assert.ok(h.state.members.every((m) => m.taskState === "TASK_RUNNING" && !m.learner));
    assert.equal(h.state.health.healthy, true);
    assert.equal(h.state.suppressed, true);
    const last = ofType(all, "launch").at(-1)!;
    assert.equal(last.member.config.initialCluster.split(",").length, size);
    assert.equal(last.member.config.learner, true);
  });
}

Deno.test("step() logs progress as 'member k/N joined'", () => {
  const h = new Harness();
  const w = new World();
  const all = settle(h, w, [
    ...h.connect(),
    ...h.feed({ type: "offers", offers: [offer(1), offer(2)] }),
  ]);
  const joined = ofType(all, "log").map((l) => l.msg).filter((m) => m.includes("joined"));
  assert.deepEqual(joined, ["member 1/3 joined", "member 2/3 joined", "member 3/3 joined"]);
});

Deno.test("step() is pure: the input state is not modified", () => {
  const h = new Harness();
  h.connect();
  const before = structuredClone(h.state);
  const frozen = h.state;
  h.feed({ type: "offers", offers: [offer(1)] });
  assert.deepEqual(frozen, before);
  assert.notDeepEqual(h.state, before);
});
