/**
 * Hostile or broken input from the master, fed to the core: duplicate and out-of-order
 * status updates, offers without resources or with absurd port ranges, unusable host names,
 * repeated offer ids. The core must never throw, never launch on ports it was not offered,
 * and never let a stale update bring a dead member back.
 */
import assert from "node:assert/strict";
import type { Offer, Resource } from "../../lib/mesos/types.ts";
import type { Effect } from "./effects.ts";
import {
  Harness,
  offer,
  ofType,
  settle,
  status,
  summarize,
  TEST_OPTIONS,
  World,
} from "./testing/scenario_world.ts";

/** A harness with a complete, healthy 3-member cluster on agents a1..a3. */
function complete(): { h: Harness; w: World } {
  const h = new Harness({ ...TEST_OPTIONS, clusterSize: 3 });
  const w = new World();
  settle(h, w, [...h.connect(), ...h.feed({ type: "offers", offers: [offer(1), offer(2)] })], 7);
  assert.equal(h.state.members.length, 3);
  return { h, w };
}

const taskOf = (h: Harness, name: string) => h.state.members.find((m) => m.name === name)!;
const logs = (fx: Effect[], msg: string) => ofType(fx, "log").filter((l) => l.msg === msg);

Deno.test("hostile: a duplicated TASK_RUNNING is acknowledged again and changes nothing", () => {
  const { h } = complete();
  const m = taskOf(h, "etcd-2");
  const before = structuredClone(h.state);
  const dup = status(m.taskId, "TASK_RUNNING", { agentId: m.agentId, uuid: true });
  const fx = h.feed({ type: "status", status: dup });
  assert.deepEqual(summarize(fx), ["ack etcd-2"]);
  assert.deepEqual(h.state.members, before.members);
});

Deno.test("hostile: a duplicated terminal update is counted once and removes the member once", () => {
  const { h, w } = complete();
  const failed = w.end("etcd-2", "TASK_FAILED");
  const first = h.feed(failed);
  const second = h.feed(failed);
  assert.equal(ofType(first, "etcdRemove").length, 1);
  assert.deepEqual(summarize(second), ["ack etcd-2"]);
  assert.equal(h.state.counters.failed_servers, 1);
});

Deno.test("hostile: TASK_STARTING after TASK_RUNNING does not move the member back", () => {
  const { h } = complete();
  const m = taskOf(h, "etcd-3");
  const since = m.runningSince;
  const fx = h.feed({
    type: "status",
    status: status(m.taskId, "TASK_STARTING", { agentId: m.agentId, uuid: true }),
  });
  assert.equal(ofType(fx, "acknowledge").length, 1, "still acknowledged");
  assert.equal(taskOf(h, "etcd-3").taskState, "TASK_RUNNING");
  assert.equal(taskOf(h, "etcd-3").runningSince, since);
  assert.equal(logs(fx, "ignoring an out-of-order status update").length, 1);
});

Deno.test("hostile: TASK_RUNNING after TASK_FAILED does not bring the member back", () => {
  const { h, w } = complete();
  const m = taskOf(h, "etcd-2");
  h.feed(w.end("etcd-2", "TASK_FAILED"));
  const late = status(m.taskId, "TASK_RUNNING", { agentId: m.agentId, uuid: true });
  const fx = h.feed({ type: "status", status: late });
  assert.equal(ofType(fx, "acknowledge").length, 1);
  assert.ok(
    h.state.members.every((x) => x.taskId !== m.taskId || x.taskState === "TASK_FAILED"),
    "the failed task stays failed",
  );
  assert.equal(h.state.counters.failed_servers, 1);
});

Deno.test("hostile: a stale TASK_RUNNING of a task that ended and was forgotten is not adopted", () => {
  const { h, w } = complete();
  const m = taskOf(h, "etcd-2");
  settle(h, w, h.feed(w.end("etcd-2", "TASK_KILLED")));
  assert.ok(!h.state.members.some((x) => x.taskId === m.taskId), "forgotten after its removal");
  const members = structuredClone(h.state.members);
  const fx = h.feed({
    type: "status",
    status: status(m.taskId, "TASK_RUNNING", { agentId: m.agentId, uuid: true }),
  });
  assert.equal(ofType(fx, "acknowledge").length, 1);
  assert.deepEqual(h.state.members, members, "no ghost member adopted");
});

Deno.test("hostile: TASK_LOST is not final (a non-partition-aware task may come back RUNNING)", () => {
  const { h } = complete();
  const m = taskOf(h, "etcd-1");
  h.feed({ type: "status", status: status(m.taskId, "TASK_LOST", { agentId: m.agentId }) });
  h.feed({ type: "status", status: status(m.taskId, "TASK_RUNNING", { agentId: m.agentId }) });
  assert.equal(taskOf(h, "etcd-1").taskState, "TASK_RUNNING");
});

Deno.test("hostile: updates of foreign, garbage and empty task ids change nothing", () => {
  const { h } = complete();
  const members = structuredClone(h.state.members);
  for (
    const id of ["", " ", "etcd-1", "etcd-1 h1 0 1", "etcd-1 h1 99999 31001", "x".repeat(5000)]
  ) {
    for (const state of ["TASK_RUNNING", "TASK_FAILED", "TASK_UNREACHABLE"] as const) {
      h.feed({ type: "status", status: status(id, state, { agentId: "a1", uuid: true }) });
    }
  }
  assert.deepEqual(h.state.members, members);
});

Deno.test("hostile: RESCIND of an unknown offer and FAILURE of an unknown agent change no member", () => {
  const { h } = complete();
  const members = structuredClone(h.state.members);
  h.feed({ type: "rescind", offerId: "never-offered" });
  h.feed({ type: "failure", agentId: "no-such-agent" });
  h.feed({ type: "failure", agentId: "a1", executorId: "no-such-executor" });
  assert.deepEqual(h.state.members, members);
});

/** An offer from agent 1 whose resources are replaced by `resources`. */
function offerWith(resources: Resource[], id = "OX"): Offer {
  return { ...offer(1, { id }), resources };
}
const scalars = (cpus: number, mem: number, disk: number): Resource[] => [
  { name: "cpus", type: "SCALAR", scalar: { value: cpus } },
  { name: "mem", type: "SCALAR", scalar: { value: mem } },
  { name: "disk", type: "SCALAR", scalar: { value: disk } },
];
const ports = (...ranges: [number, number][]): Resource => ({
  name: "ports",
  type: "RANGES",
  ranges: { range: ranges.map(([begin, end]) => ({ begin, end })) },
});

/** [what, resources, expected effects] with a member wanted. */
const badOffers: [string, Resource[], string[]][] = [
  ["no resources at all", [], ["decline 1 for 15s"]],
  ["scalars without values", [
    { name: "cpus", type: "SCALAR" },
    { name: "mem", type: "SCALAR" },
    { name: "disk", type: "SCALAR" },
    ports([31000, 31010]),
  ], ["decline 1 for 15s"]],
  ["negative scalars", [...scalars(-4, -1, -1), ports([31000, 31010])], ["decline 1 for 15s"]],
  ["ranges with begin > end", [...scalars(4, 4096, 9999), ports([31010, 31000], [5, 4])], [
    "decline 1 for 15s",
  ]],
  ["ranges above 65535", [...scalars(4, 4096, 9999), ports([65536, 70000], [99999, 99999])], [
    "decline 1 for 15s",
  ]],
  ["port 0 and negative ports", [...scalars(4, 4096, 9999), ports([0, 0], [-5, -1])], [
    "decline 1 for 15s",
  ]],
  ["a ports resource without ranges", [...scalars(4, 4096, 9999), {
    name: "ports",
    type: "RANGES",
  }], ["decline 1 for 15s"]],
];

for (const [what, resources, expected] of badOffers) {
  Deno.test(`hostile offers: ${what} is declined, nothing launched`, () => {
    const h = new Harness();
    h.connect();
    assert.deepEqual(
      summarize(h.feed({ type: "offers", offers: [offerWith(resources)] })),
      expected,
    );
    assert.equal(h.state.members.length, 0);
  });
}

Deno.test("hostile offers: a huge port range is capped at 65535 and handled at once", () => {
  const h = new Harness();
  h.connect();
  const started = performance.now();
  const huge = ports([65534, Number.MAX_SAFE_INTEGER]);
  huge.ranges!.range!.push({ begin: 1e18, end: 2e18 }, { begin: 65000, end: 2 ** 64 });
  const fx = h.feed({ type: "offers", offers: [offerWith([...scalars(4, 4096, 9999), huge])] });
  assert.ok(performance.now() - started < 1000, "no walk over the whole range");
  const launch = ofType(fx, "launch")[0];
  assert.ok(launch !== undefined, summarize(fx).join("; "));
  assert.deepEqual([launch.member.peerPort, launch.member.clientPort], [65000, 65001]);
});

Deno.test("hostile offers: 20,000 one-port ranges are handled quickly and the lowest two used", () => {
  const h = new Harness();
  h.connect();
  const many = Array.from({ length: 20_000 }, (_, i) => [60000 - i, 60000 - i] as [number, number]);
  const started = performance.now();
  const fx = h.feed({
    type: "offers",
    offers: [offerWith([...scalars(4, 4096, 9999), ports(...many)])],
  });
  assert.ok(performance.now() - started < 2000);
  const launch = ofType(fx, "launch")[0]!;
  assert.deepEqual([launch.member.peerPort, launch.member.clientPort], [40001, 40002]);
});

for (const hostname of ["", "has space", "tab\there", "a/b", "é.example", "x".repeat(300) + " y"]) {
  Deno.test(`hostile offers: hostname ${JSON.stringify(hostname.slice(0, 20))} is declined, not fatal`, () => {
    const h = new Harness();
    h.connect();
    const bad = { ...offer(1), hostname };
    const fx = h.feed({ type: "offers", offers: [bad, offer(2)] });
    assert.deepEqual(summarize(fx), ["decline 1 for 3600s", "launch etcd-1 new on a2"]);
    assert.ok(logs(fx, "declining offer: unusable hostname").length === 1);
  });
}

Deno.test("hostile offers: one offer id twice in a batch is used once and not declined", () => {
  const h = new Harness();
  h.connect();
  const o = offer(1, { id: "DUP" });
  const fx = h.feed({ type: "offers", offers: [o, structuredClone(o)] });
  assert.deepEqual(summarize(fx), ["launch etcd-1 new on a1"]);
});

Deno.test("hostile offers: the held offer offered again is neither declined nor used twice", () => {
  const { h, w } = complete();
  settle(h, w, h.feed(w.end("etcd-3", "TASK_FAILED")), 7, { answerRevive: false });
  const held = offer(3, { id: "HELD" });
  const add = h.feed({ type: "offers", offers: [held] });
  assert.deepEqual(summarize(add), ["addLearner etcd-4"]);
  const again = h.feed({ type: "offers", offers: [structuredClone(held)] });
  assert.deepEqual(summarize(again), [], "not declined while held");
});
