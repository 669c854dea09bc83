import assert from "node:assert/strict";
import { evaluateHealth, type HealthHistory, raftNumber } from "./health.ts";
import type { EtcdMemberView, ProbeMemberResult } from "./inputs.ts";

const voters: EtcdMemberView[] = ["1", "2", "3"].map((id) => ({
  id,
  name: `etcd-${id}`,
  peerUrls: [`http://h${id}:2380`],
  isLearner: false,
}));
const up = (id: string, leader = "1", term = 5, index = 100): ProbeMemberResult => ({
  name: `etcd-${id}`,
  reachable: true,
  memberId: id,
  leader,
  raftTerm: String(term),
  raftIndex: String(index),
});
const down = (id: string): ProbeMemberResult => ({
  name: `etcd-${id}`,
  reachable: false,
  error: "refused",
});
const fresh: HealthHistory = { termMoved: false };

/** [what, results, linearizable read ok, healthy, reason pattern]. */
const cases: [string, ProbeMemberResult[], boolean, boolean, RegExp][] = [
  ["all up, one leader, read ok", [up("1"), up("2"), up("3")], true, true, /^cluster is healthy$/],
  ["a quorum (2 of 3) up is enough", [up("1"), up("2"), down("3")], true, true, /healthy/],
  [
    "1 of 3 up is not a quorum",
    [up("1"), down("2"), down("3")],
    true,
    false,
    /only 1 of 3 voting members reachable, quorum is 2/,
  ],
  [
    "split leaders have no quorum",
    [up("1", "1"), up("2", "2"), down("3")],
    true,
    false,
    /no leader agreed by a quorum of 2/,
  ],
  ["no leader known", [up("1", "0"), up("2", "0"), up("3", "0")], true, false, /no leader agreed/],
  [
    "leader agreed but read failed",
    [up("1"), up("2"), up("3")],
    false,
    false,
    /^linearizable read failed/,
  ],
];

for (const [what, results, readOk, healthy, reason] of cases) {
  Deno.test(`evaluateHealth(): ${what}`, () => {
    const v = evaluateHealth({ results, linearizableReadOk: readOk, membership: voters }, fresh);
    assert.equal(v.healthy, healthy);
    assert.match(v.reason, reason);
  });
}

Deno.test("evaluateHealth() ignores learners when counting the quorum", () => {
  const membership = [...voters, {
    id: "4",
    name: "",
    peerUrls: ["http://h4:2380"],
    isLearner: true,
  }];
  const v = evaluateHealth({
    results: [up("1"), up("2"), down("3"), { ...up("4"), isLearner: true }],
    linearizableReadOk: true,
    membership,
  }, fresh);
  assert.equal(v.healthy, true);
  assert.equal(v.voters, 3);
  assert.equal(v.quorum, 2);
});

Deno.test("evaluateHealth() counts a term change in consecutive probes as churn", () => {
  const probe = (term: number) => ({
    results: [up("1", "1", term), up("2", "1", term)],
    linearizableReadOk: true,
    membership: voters,
  });
  const first = evaluateHealth(probe(5), fresh);
  const moved = evaluateHealth(probe(6), first.history);
  assert.equal(moved.healthy, true, "one election is normal");
  assert.deepEqual(moved.termChange, { from: "5", to: "6" });
  const churn = evaluateHealth(probe(7), moved.history);
  assert.equal(churn.healthy, false);
  assert.equal(churn.livelock, "term-churn");
  assert.match(churn.reason, /leader unstable: raft term moved 6 -> 7/);
  const calm = evaluateHealth(probe(7), churn.history);
  assert.equal(calm.healthy, true);
});

Deno.test("evaluateHealth() reports a stalled commit index when reads fail and it does not move", () => {
  const probe = (index: number) => ({
    results: [up("1", "1", 5, index), up("2", "1", 5, index)],
    linearizableReadOk: false,
    readError: "context deadline exceeded",
    membership: voters,
  });
  const first = evaluateHealth(probe(100), fresh);
  assert.equal(first.livelock, undefined);
  const stalled = evaluateHealth(probe(100), first.history);
  assert.equal(stalled.livelock, "stalled");
  assert.match(
    stalled.reason,
    /raft stalled at commit index 100; linearizable read failed: context deadline exceeded/,
  );
});

Deno.test("evaluateHealth() without membership uses the probed voters", () => {
  const v = evaluateHealth({ results: [up("1")], linearizableReadOk: true }, fresh);
  assert.equal(v.healthy, true);
  assert.equal(v.leaderId, "1");
});

Deno.test("raftNumber() reads decimal strings beyond 2^53, rejects junk", () => {
  assert.equal(raftNumber("18446744073709551615"), 18446744073709551615n);
  assert.equal(raftNumber(7), 7n);
  assert.equal(raftNumber("x"), undefined);
  assert.equal(raftNumber(undefined), undefined);
});
