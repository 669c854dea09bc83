import assert from "node:assert/strict";
import { initialState, type MemberRecord, type State } from "../core/state.ts";
import { clusterView } from "./cluster_view.ts";

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
    memberId: `${n}00`,
    reachable: true,
    ...over,
  };
}

const state = (over: Partial<State> = {}): State => ({
  ...initialState({ clusterSize: 3 }),
  connected: true,
  reconciled: true,
  health: { healthy: true, reason: "ok", leaderId: "100", termMoved: false },
  ...over,
});

Deno.test("clusterView() lists running etcd members with role, reachability and sizes", () => {
  const s = state({
    members: [
      member(1),
      member(2, { learner: true, reachable: false }),
      member(3, { taskState: "TASK_STAGING" }),
      member(4, { memberId: undefined }),
    ],
  });
  const view = clusterView(s, new Map([["etcd-1", { dbSize: 10, dbSizeInUse: 4 }]]));
  assert.deepEqual(view, {
    members: [
      {
        name: "etcd-1",
        memberId: "100",
        clientUrl: "http://h1:32001",
        leader: true,
        learner: false,
        reachable: true,
        dbSize: 10,
        dbSizeInUse: 4,
      },
      {
        name: "etcd-2",
        memberId: "200",
        clientUrl: "http://h2:32002",
        leader: false,
        learner: true,
        reachable: false,
      },
    ],
    mutable: true,
    healthy: true,
  });
});

Deno.test("clusterView() is not mutable during a membership change, a reseed or reconciliation", () => {
  const none = new Map();
  assert.equal(
    clusterView(state({ change: { kind: "bootstrap", name: "etcd-1", startedAt: 0 } }), none)
      .mutable,
    false,
  );
  assert.equal(clusterView(state({ reconciled: false }), none).mutable, false);
  assert.equal(clusterView(state({ lost: true }), none).mutable, false);
});
