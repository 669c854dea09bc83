import assert from "node:assert/strict";
import { healthOf, statsOf } from "./views.ts";
import { isSettled, livenessBoundMs } from "./liveness.ts";
import { OFFER_WAIT_WARN_MS } from "./offer_wait.ts";
import { probeTargets } from "./probe_targets.ts";
import { DEFAULT_CORE_OPTIONS } from "./state.ts";
import { Harness, offer, ofType, settle, TEST_OPTIONS, World } from "./testing/scenario_world.ts";

function complete(): { h: Harness; w: World } {
  const h = new Harness({ ...TEST_OPTIONS, clusterSize: 3 });
  const w = new World();
  settle(h, w, [...h.connect(), ...h.feed({ type: "offers", offers: [offer(1), offer(2)] })], 7);
  for (let i = 0; i < 10 && !isSettled(h.state); i++) settle(h, w, h.tick(5_000), 7);
  assert.ok(isSettled(h.state));
  return { h, w };
}

Deno.test("no offer fits for 30 s: one WARN naming the needs and the largest offer, on /healthz and /stats", () => {
  const h = new Harness({ ...TEST_OPTIONS, cpus: 4, memMb: 2048 });
  h.connect();
  h.feed({ type: "offers", offers: [offer(1, { cpus: 2, mem: 1024 }), offer(2, { cpus: 1 })] });
  assert.equal(statsOf(h.state).offers_unfit, 0, "not before 30 s");
  const fx = h.tick(OFFER_WAIT_WARN_MS);
  const warn = ofType(fx, "log").filter((l) => l.msg === "no offer fits a member");
  assert.equal(warn.length, 1);
  assert.match(String(warn[0]!.fields.needs), /cpus 4 \+ 0\.1 .*mem 2048 \+ 32 MB/);
  assert.match(String(warn[0]!.fields.largestOffer), /^h1: cpus 2, mem 1024 MB/);
  assert.equal(statsOf(h.state).offers_unfit, 1);
  assert.match(healthOf(h.state).reason, /no offer fits a member: a member needs cpus 4/);
  assert.equal(ofType(h.tick(10_000), "log").filter((l) => l.level === "warn").length, 0);
  // A fitting offer ends the wait.
  h.feed({ type: "offers", offers: [offer(3, { cpus: 8, mem: 8192 })] });
  assert.equal(statsOf(h.state).offers_unfit, 0);
});

Deno.test("liveness: stuck beyond the bound raises a loud alarm naming the blocker, and clears", () => {
  const h = new Harness({ ...TEST_OPTIONS, cpus: 64 });
  h.connect();
  h.feed({ type: "offers", offers: [offer(1)] });
  const bound = livenessBoundMs(h.state.options);
  h.tick(bound - 1_000);
  assert.equal(h.state.alarm, undefined, "not before the bound");
  const fx = h.tick(1_000);
  const stuck = ofType(fx, "log").filter((l) => l.msg.startsWith("STUCK: "));
  assert.equal(stuck.length, 1);
  assert.equal(stuck[0]!.level, "warn");
  assert.match(stuck[0]!.msg, /no offer fits a member/);
  assert.equal(statsOf(h.state).stuck, 1);
  assert.match(healthOf(h.state).reason, /^STUCK: no offer fits a member/);
});

Deno.test("liveness: a settled cluster never alarms however long it runs", () => {
  const { h, w } = complete();
  for (let i = 0; i < 100; i++) settle(h, w, h.tick(5_000));
  assert.equal(h.state.alarm, undefined);
  assert.equal(statsOf(h.state).stuck, 0);
});

Deno.test("probeTargets(): an ended task whose etcd is still configured is probed by its client URL", () => {
  const { h, w } = complete();
  const ended = h.state.members.find((m) => m.name === "etcd-2")!;
  // Its executor died and left etcd running: the status says FAILED, etcd still lists it.
  h.state.members = h.state.members.map((m) =>
    m.name === "etcd-2" ? { ...m, taskState: "TASK_FAILED" as const } : m
  );
  const names = probeTargets(h.state).map((t) => `${t.name} ${t.clientUrl}`);
  assert.ok(names.includes(`etcd-2 http://${ended.hostname}:${ended.clientPort}`), names.join());
  assert.equal(names.length, 3);
  void w;
});

Deno.test("a stray etcd answering a probe counts as a voter, shows on /stats, and is removed from etcd", () => {
  const { h, w } = complete();
  // etcd-2's executor dies but its etcd keeps answering (no container destruction).
  const t = [...w.tasks.values()].find((x) => x.launch.name === "etcd-2")!;
  const fx = h.feed({
    type: "status",
    status: {
      task_id: { value: t.launch.taskId },
      agent_id: { value: t.launch.agentId },
      state: "TASK_FAILED",
      source: "SOURCE_AGENT",
    },
  });
  // The removal needs quorum; the world says everyone answers, so it goes at once.
  const removes = ofType(fx, "etcdRemove");
  assert.equal(removes.length, 1);
  assert.equal(removes[0]!.name, "etcd-2");
  // A probe in which it still answers marks it as a stray.
  const probe = w.probe(["etcd-1", "etcd-3"]);
  if (probe.type !== "probe") throw new Error("not a probe");
  const member = w.members.find((m) => m.name === "etcd-2")!;
  probe.results.push({
    name: "etcd-2",
    reachable: true,
    memberId: member.id,
    raftIndex: 100,
    leader: w.members[0]!.id,
  });
  h.feed(probe);
  assert.equal(statsOf(h.state).stray_members, 1);
  assert.equal(h.state.strays?.[0]?.taskState, "TASK_FAILED");
});

Deno.test("livenessBoundMs() is the longest deliberate wait plus the steps after it", () => {
  assert.equal(
    livenessBoundMs({ ...DEFAULT_CORE_OPTIONS, launchTimeoutMs: 10_000, reseedTimeoutMs: 60_000 }),
    60_000 + 30_000 + 30_000 + 30_000,
  );
  assert.equal(
    livenessBoundMs({ ...DEFAULT_CORE_OPTIONS, launchTimeoutMs: 10_000, autoReseed: false }),
    30_000 + 30_000 + 30_000 + 30_000,
  );
});

Deno.test("a frozen member (running, silent beyond the grace) is killed with no grace: SIGKILL at once", () => {
  const { h, w } = complete();
  w.unreachable.add("etcd-2");
  const kills = [];
  for (let i = 0; i < 20 && kills.length === 0; i++) {
    const fx = h.tick(5_000);
    kills.push(...ofType(fx, "kill"));
    settle(h, w, fx.filter((e) => e.type !== "kill"), 7);
  }
  assert.equal(kills.length, 1);
  assert.equal(kills[0]!.taskId.split(" ")[0], "etcd-2");
  assert.equal(kills[0]!.graceMs, 0);
  assert.match(kills[0]!.reason, /^unreachable for/);
});

Deno.test("with persistent volumes the liveness bound covers the wait for a volume to come back", () => {
  const o = { ...DEFAULT_CORE_OPTIONS };
  assert.equal(livenessBoundMs(o), 390_000);
  const withVolumes = { ...o, volumes: { role: "etcd", relaunchTimeoutMs: 600_000 } };
  assert.equal(livenessBoundMs(withVolumes), 690_000);
});
