import assert from "node:assert/strict";
import type { Effect } from "../core/effects.ts";
import type { Input } from "../core/inputs.ts";
import type { ReseedRun } from "../core/reseed_run.ts";
import { initialState, type MemberRecord, type State } from "../core/state.ts";
import { MAX_KILLS, SchedulerHistory } from "./history.ts";

function member(n: number, over: Partial<MemberRecord> = {}): MemberRecord {
  return {
    name: `etcd-${n}`,
    taskId: `etcd-${n} h${n} 3100${n} 3200${n}`,
    agentId: `a${n}`,
    hostname: `h${n}`,
    peerPort: 31000 + n,
    clientPort: 32000 + n,
    taskState: "TASK_RUNNING",
    learner: false,
    raftIndex: `${100 + n}`,
    ...over,
  };
}

function state(over: Partial<State> = {}): State {
  return { ...initialState({ clusterSize: 3 }), ...over };
}

const M = [member(1), member(2), member(3)];
const tick: Input = { type: "tick" };

function run(over: Partial<ReseedRun>): ReseedRun {
  return {
    id: "reseed-1",
    source: "auto",
    reason: "quorum lost for 5s",
    startedAt: 1000,
    phase: "confirming",
    phaseAt: 1000,
    candidates: [],
    reachable: [],
    failed: [],
    orders: [],
    seq: 0,
    ...over,
  };
}

Deno.test("history counts subscriptions, finished reconciliations, adopted tasks and lock losses", () => {
  const h = new SchedulerHistory();
  const s0 = state();
  const s1 = state({ connected: true });
  h.observe({
    input: { type: "subscribed", frameworkId: "fw" },
    before: s0,
    after: s1,
    effects: [],
    at: 1,
  });
  const s2 = state({ connected: true, members: [M[0]!] });
  const status = { type: "status", status: { task_id: { value: M[0]!.taskId } } } as Input;
  h.observe({ input: status, before: s1, after: s2, effects: [], at: 2 });
  const s3 = { ...s2, reconciled: true };
  h.observe({ input: { type: "tick" }, before: s2, after: s3, effects: [], at: 3 });
  h.observe({ input: tick, before: s3, after: s3, effects: [], at: 4 });
  // A second subscription (master failover) and reconciliation.
  const s4 = { ...s3, reconciled: false };
  h.observe({
    input: { type: "subscribed", frameworkId: "fw" },
    before: s3,
    after: s4,
    effects: [],
    at: 5,
  });
  h.observe({ input: { type: "tick" }, before: s4, after: s3, effects: [], at: 6 });
  h.leaderLockLost();
  assert.deepEqual(h.counters(), {
    subscriptions: 2,
    reconciliations: 2,
    tasks_adopted: 1,
    leader_lock_losses: 1,
  });
});

Deno.test("history follows a reseed: ranking, fence and seed orders, a failed seed, the killed member", () => {
  const h = new SchedulerHistory();
  const base = state({ members: M, connected: true, reconciled: true });
  const confirming = run({});
  const step = (before: State, after: State, effects: Effect[] = [], at = 2000) =>
    h.observe({ input: tick, before, after, effects, at });
  const s1 = { ...base, reseed: confirming };
  step(base, s1);
  assert.deepEqual(h.view().reseeds.map((r) => [r.id, r.phase, r.source]), [
    ["reseed-1", "confirming", "auto"],
  ]);
  const [t1, t2, t3] = M.map((m) => m.taskId) as [string, string, string];
  const fencing = run({
    phase: "fencing",
    candidates: [t2, t3],
    reachable: [t2, t3],
    seed: t2,
    orders: [{
      id: "reseed-1-stop-etcd-3-1",
      op: "stop",
      taskId: t3,
      name: "etcd-3",
      sentAt: 2,
      state: "ok",
    }],
  });
  const s2 = { ...base, reseed: fencing };
  step(s1, s2);
  const seeding = run({
    ...fencing,
    phase: "seeding",
    orders: [
      ...fencing.orders,
      {
        id: "reseed-1-reseed-etcd-2-2",
        op: "reseed",
        taskId: t2,
        name: "etcd-2",
        sentAt: 3,
        state: "failed",
      },
      {
        id: "reseed-1-stop-etcd-2-3",
        op: "stop",
        taskId: t2,
        name: "etcd-2",
        sentAt: 4,
        state: "ok",
      },
      {
        id: "reseed-1-reseed-etcd-3-4",
        op: "reseed",
        taskId: t3,
        name: "etcd-3",
        sentAt: 5,
        state: "ok",
      },
    ],
    failed: [t2],
    seed: t3,
  });
  const s3 = { ...base, reseed: seeding };
  step(s2, s3);
  // The seed is healthy: the cleanup kills the others and the reseed is over.
  const s4 = { ...base, reseed: undefined };
  const kills: Effect[] = [t1, t2].map((taskId) => ({
    type: "kill",
    taskId,
    agentId: "a",
    reason: "fenced by reseed-1; etcd-3 reseeded the cluster",
  }));
  step(s3, s4, kills, 9000);
  const [r] = h.view().reseeds;
  assert.deepEqual(r, {
    id: "reseed-1",
    source: "auto",
    reason: "quorum lost for 5s",
    startedAt: 1000,
    phase: "cleanup",
    ranking: [{ member: "etcd-2", raftIndex: "102" }, { member: "etcd-3", raftIndex: "103" }],
    seeds: ["etcd-2", "etcd-3"],
    failedSeeds: ["etcd-2"],
    fenced: ["etcd-3", "etcd-2"],
    orders: [
      { op: "stop", member: "etcd-3", state: "ok" },
      { op: "reseed", member: "etcd-2", state: "failed" },
      { op: "stop", member: "etcd-2", state: "ok" },
      { op: "reseed", member: "etcd-3", state: "ok" },
    ],
    killed: ["etcd-1", "etcd-2"],
    outcome: "done",
    endedAt: 9000,
  });
  assert.deepEqual(h.view().kills.map((k) => [k.member, k.reseed, k.at]), [
    ["etcd-1", "reseed-1", 9000],
    ["etcd-2", "reseed-1", 9000],
  ]);
});

Deno.test("history: a reseed that ends without a healthy seed, and one with no survivor", () => {
  const h = new SchedulerHistory();
  const base = state({ members: M });
  const [, t2] = M.map((m) => m.taskId);
  const fencing = run({ phase: "fencing", candidates: [t2!], seed: t2, source: "admin" });
  h.observe({ input: tick, before: base, after: { ...base, reseed: fencing }, effects: [], at: 1 });
  const restart: Effect = {
    type: "executorOrder",
    taskId: M[0]!.taskId,
    agentId: "a1",
    executorId: "e1",
    order: { op: "restart", id: "reseed-1-restart-etcd-1-9", taskId: M[0]!.taskId },
    reason: "reseed-1 aborted",
  };
  h.observe({
    input: tick,
    before: { ...base, reseed: fencing },
    after: base,
    effects: [restart],
    at: 2,
  });
  const second = run({ id: "reseed-2" });
  h.observe({ input: tick, before: base, after: { ...base, reseed: second }, effects: [], at: 3 });
  h.observe({
    input: tick,
    before: { ...base, reseed: second },
    after: { ...base, noSurvivor: { since: 4, reason: "no member task is running" } },
    effects: [],
    at: 4,
  });
  assert.deepEqual(
    h.view().reseeds.map((r) => [r.id, r.source, r.outcome, r.orders.map((o) => o.op)]),
    [["reseed-1", "admin", "ended", ["restart"]], ["reseed-2", "auto", "no survivor", []]],
  );
});

Deno.test("history keeps every kill with its reason, at most MAX_KILLS", () => {
  const h = new SchedulerHistory();
  const s = state({ members: M });
  for (let i = 0; i < MAX_KILLS + 5; i++) {
    const kill: Effect = { type: "kill", taskId: M[0]!.taskId, agentId: "a1", reason: `r${i}` };
    h.observe({ input: tick, before: s, after: s, effects: [kill], at: i });
  }
  const { kills } = h.view();
  assert.equal(kills.length, MAX_KILLS);
  assert.deepEqual(kills[0], { at: 5, taskId: M[0]!.taskId, member: "etcd-1", reason: "r5" });
  assert.equal(kills.at(-1)?.reason, `r${MAX_KILLS + 4}`);
});
