import assert from "node:assert/strict";
import type { MemberView, Stats } from "../scheduler/core/views.ts";
import type { ClusterSnapshot } from "./admin_client.ts";
import { describe, ProgressTracker } from "./progress.ts";

function member(n: number, over: Partial<MemberView> = {}): MemberView {
  return {
    name: `etcd-${n}`,
    host: "127.0.0.1",
    rpcPort: 31000 + 100 * n,
    clientPort: 31001 + 100 * n,
    agentId: `S${n}`,
    taskId: `task-${n}`,
    taskState: "TASK_RUNNING",
    memberId: `id${n}`,
    raftIndex: "8",
    raftTerm: "2",
    leader: n === 1,
    learner: false,
    healthy: true,
    ...over,
  };
}

function snap(
  members: MemberView[],
  healthy = true,
  reason = "cluster is healthy",
): ClusterSnapshot {
  return { healthy, reason, members, stats: {} as Stats };
}

const kinds = (t: ProgressTracker, s: ClusterSnapshot) => t.next(s).map((e) => e.kind);

Deno.test("ProgressTracker reports launches, each join with its count, then ready once", () => {
  const t = new ProgressTracker(3);
  const staging = member(1, { taskState: "TASK_STAGING", memberId: null, healthy: false });
  assert.deepEqual(kinds(t, snap([staging], false, "no members")), ["launching"]);
  const joined1 = t.next(snap([member(1)]));
  assert.deepEqual(joined1.map(describe), [
    "member 1/3 joined: etcd-1 (127.0.0.1:31101 on agent S1)",
  ]);
  assert.deepEqual(kinds(t, snap([member(1), member(2, { learner: true })])), ["launching"]);
  assert.deepEqual(kinds(t, snap([member(1), member(2)])), ["joined"]);
  const last = t.next(snap([member(1), member(2), member(3)]));
  assert.deepEqual(last.map((e) => e.kind), ["launching", "joined", "ready"]);
  assert.match(describe(last[1]!), /^member 3\/3 joined: etcd-3/);
  assert.equal(describe(last[2]!), "etcd cluster ready: 3 members");
  assert.equal(t.everReady, true);
  assert.deepEqual(kinds(t, snap([member(1), member(2), member(3)])), []);
});

Deno.test("ProgressTracker reports a lost member, the degradation and the recovery", () => {
  const t = new ProgressTracker(3);
  t.next(snap([member(1), member(2), member(3)]));
  const down = t.next(snap([member(1), member(2), member(3, { healthy: false })], false, "x"));
  assert.deepEqual(down.map((e) => e.kind), ["unhealthy", "degraded"]);
  assert.equal(describe(down[1]!), "etcd cluster degraded: x");
  assert.deepEqual(kinds(t, snap([member(1), member(2)], false)), ["gone"]);
  const back = t.next(snap([member(1), member(2), member(4)]));
  assert.deepEqual(back.map((e) => e.kind), ["launching", "joined", "ready"]);
  assert.match(describe(back[2]!), /healthy again/);
});

Deno.test("ProgressTracker is not ready while healthy with too few members", () => {
  const t = new ProgressTracker(3);
  assert.deepEqual(kinds(t, snap([member(1), member(2)])), [
    "launching",
    "launching",
    "joined",
    "joined",
  ]);
  assert.equal(t.everReady, false);
});
