import assert from "node:assert/strict";
import { quorumEvidence, rankSurvivors } from "./reseed_evidence.ts";
import { initialState, type MemberRecord, type State } from "./state.ts";

function member(n: number, over: Partial<MemberRecord> = {}): MemberRecord {
  return {
    name: `etcd-${n}`,
    taskId: `etcd-${n} h${n} ${31000 + n * 10} ${31001 + n * 10}`,
    agentId: `a${n}`,
    hostname: `h${n}`,
    peerPort: 31000 + n * 10,
    clientPort: 31001 + n * 10,
    taskState: "TASK_RUNNING",
    memberId: String(n),
    learner: false,
    reachable: true,
    raftIndex: "100",
    raftTerm: "2",
    leaderId: "0",
    ...over,
  };
}

function stateOf(members: MemberRecord[], membership = true): State {
  const s = initialState({ clusterSize: members.length });
  s.members = members;
  if (membership) {
    s.etcdMembers = members.map((m) => ({
      id: m.memberId!,
      name: m.name,
      peerUrls: [`http://${m.hostname}:${m.peerPort}`],
      isLearner: m.learner,
    }));
  }
  return s;
}

Deno.test("rankSurvivors() orders by raft index, then term, then age; only answering voters", () => {
  const s = stateOf([
    member(1, { raftIndex: "9007199254740993" }), // beyond 2^53: compared exactly
    member(2, { raftIndex: "9007199254740992" }),
    member(3, { raftIndex: "9007199254740993", raftTerm: "3" }),
    member(4, { raftIndex: "99999999999999999999", learner: true }),
    member(5, { raftIndex: "99999999999999999999", reachable: false }),
    member(6, { raftIndex: "99999999999999999999", taskState: "TASK_FAILED" }),
    member(7, {
      raftIndex: "99999999999999999999",
      retiring: { reason: "x", at: 0, removed: false },
    }),
    member(8, { raftIndex: undefined }),
    member(9, { raftIndex: "9007199254740992" }),
  ]);
  assert.deepEqual(rankSurvivors(s).map((m) => m.name), ["etcd-3", "etcd-1", "etcd-2", "etcd-9"]);
});

Deno.test("quorumEvidence(): quorum is lost only with a majority unreachable and no leader", () => {
  const lost = quorumEvidence(
    stateOf([member(1), member(2, { reachable: false }), member(3, { taskState: "TASK_LOST" })]),
  );
  assert.equal(lost.quorumLost, true);
  assert.deepEqual([lost.voters, lost.reachableVoters, lost.quorum], [3, 1, 2]);
  assert.equal(
    lost.summary,
    "etcd-1: reachable index=100 term=2 leader=none; etcd-2: unreachable; etcd-3: task TASK_LOST",
  );
  const led = quorumEvidence(
    stateOf([
      member(1, { leaderId: "2" }),
      member(2, { reachable: false }),
      member(3, { reachable: false }),
    ]),
  );
  assert.equal(led.quorumLost, false, "a reachable member still follows a leader");
  assert.deepEqual(led.leaders, ["2"]);
  const quorate = quorumEvidence(stateOf([member(1), member(2), member(3, { reachable: false })]));
  assert.equal(quorate.quorumLost, false, "2 of 3 reachable");
});

Deno.test("quorumEvidence() counts voters from etcd, learners aside, and etcd members without a task", () => {
  const s = stateOf([member(1), member(2, { learner: true }), member(3, { reachable: false })]);
  s.etcdMembers!.push({ id: "77", name: "etcd-77", peerUrls: ["http://gone:1"], isLearner: false });
  const e = quorumEvidence(s);
  assert.deepEqual([e.voters, e.reachableVoters, e.quorum, e.reachable], [3, 1, 2, 2]);
  assert.equal(e.quorumLost, true);
  assert.match(e.summary, /etcd-2: reachable learner index=100/);
  assert.match(e.summary, /etcd-77: configured in etcd, no task$/);
});

Deno.test("quorumEvidence() without a member list counts the records", () => {
  const e = quorumEvidence(stateOf([member(1), member(2, { reachable: false })], false));
  assert.deepEqual([e.voters, e.reachableVoters, e.quorum], [2, 1, 2]);
  assert.equal(e.quorumLost, true);
  assert.equal(quorumEvidence(stateOf([], false)).quorumLost, false, "nothing known: nothing lost");
});
