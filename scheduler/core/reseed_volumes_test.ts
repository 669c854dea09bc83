import assert from "node:assert/strict";
import type { Effect, MemberLaunch } from "./effects.ts";
import { RESEED_OPTIONS, ReseedWorld, run } from "./testing/reseed_world.ts";
import { Harness, offer, ofType, reservedOffer, settle } from "./testing/scenario_world.ts";
import { rankingWithVolumes, volumesAhead, volumeWait } from "./reseed_volumes.ts";
import { initialState } from "./state.ts";
import type { VolumeRecord } from "./volumes.ts";

const logs = (fx: Effect[], msg: string) => ofType(fx, "log").filter((l) => l.msg === msg);

/** A complete 5-member cluster on volumes (etcd-1.. on agents a1..), every member probed. */
function cluster(relaunchTimeoutMs = 600_000): { h: Harness; w: ReseedWorld } {
  const h = new Harness({
    ...RESEED_OPTIONS,
    clusterSize: 5,
    volumes: { role: "etcd", relaunchTimeoutMs },
  });
  const w = new ReseedWorld();
  h.feed({ type: "volumesKnown", records: [] });
  settle(h, w, [...h.connect(), ...h.feed({ type: "offers", offers: [offer(1), offer(2)] })], 7);
  assert.equal(h.state.members.length, 5);
  assert.equal(h.state.health.healthy, true);
  assert.equal(h.state.volumes?.length, 5);
  return { h, w };
}

/** The launch of `name`'s current task. */
const launchOf = (w: ReseedWorld, name: string): MemberLaunch =>
  [...w.tasks.values()].find((t) => t.launch.name === name)!.launch;

/**
 * etcd-1 reports raft index `index1` and etcd-5 90, the others 100; then etcd-1's and
 * etcd-5's executors die (tasks end, data kept on their volumes) and etcd-2 and etcd-3 hang:
 * etcd-4 is the only live survivor (index 100) and quorum is lost. Returns etcd-1's launch.
 */
function lose(h: Harness, w: ReseedWorld, index1: number): MemberLaunch {
  w.index.set("etcd-1", index1);
  w.index.set("etcd-5", 90);
  run(h, w, 5_000);
  const l1 = launchOf(w, "etcd-1");
  for (const n of ["etcd-1", "etcd-2", "etcd-3", "etcd-5"]) w.unreachable.add(n);
  run(h, w, 5_000);
  for (const n of ["etcd-1", "etcd-5"]) {
    const ended = settle(h, w, h.feed(w.end(n)), 7, { answerRevive: false });
    const saved = ofType(ended, "persistVolume").find((e) => e.record.member === n);
    assert.equal(saved?.record.raftIndex, String(n === "etcd-1" ? index1 : 90), "kept");
    // The world forgets the ended task, so its relaunch is the one it finds by name.
    w.tasks.delete([...w.tasks.values()].find((t) => t.launch.name === n)!.launch.taskId);
  }
  assert.ok(h.state.quorumLostSince !== undefined);
  return l1;
}

Deno.test("reseed with volumes: a dead member whose last raft index is the highest holds the reseed back, is relaunched in place, and seeds the cluster", () => {
  const { h, w } = cluster();
  const l1 = lose(h, w, 120);
  const waited = run(h, w, 120_000);
  assert.equal(h.state.reseed, undefined, "no reseed past --reseed-timeout: etcd-1 may be ahead");
  const wait = logs(waited, "automatic reseed waits for a member's volume");
  assert.equal(wait.length, 1, "logged once");
  assert.match(String(wait[0]?.fields.reason), /^waiting to relaunch etcd-1@120 \(volume on/);
  assert.equal(
    wait[0]?.fields.ranking,
    "etcd-1@120 (task ended; volume on agent a1, awaiting relaunch), etcd-4@100, " +
      "etcd-5@90 (task ended; volume on agent a5, awaiting relaunch)",
  );
  // etcd-1's agent offers its reservation and volume back: relaunched in place.
  w.unreachable.delete("etcd-1");
  const back = settle(h, w, h.feed({ type: "offers", offers: [reservedOffer(l1, "R1")] }), 7);
  assert.deepEqual(ofType(back, "launch").map((e) => e.member.name), ["etcd-1"]);
  // 2 of 5 answer: still no quorum; the reseed ranks etcd-1 by what it reports now.
  const reseed = [...back, ...run(h, w, 60_000)];
  const ranked = logs(reseed, "reseed: survivors ranked by raft index")[0];
  assert.equal(ranked?.fields.ranking, "etcd-1@120, etcd-4@100");
  assert.ok(w.orders.includes("reseed etcd-1"), `seeded from etcd-1: ${w.orders.join(", ")}`);
  assert.ok(!w.orders.includes("reseed etcd-4"));
  assert.equal(
    logs(reseed, "DATA LOSS: the reseed discards what only given-up volumes held")
      .length,
    0,
  );
});

Deno.test("reseed with volumes: past --member-relaunch-timeout the best live survivor seeds, and the data lost is said loudly", () => {
  const { h, w } = cluster(180_000);
  lose(h, w, 120);
  const seen = run(h, w, 240_000);
  assert.ok(ofType(seen, "forgetVolume").some((e) => e.member === "etcd-1"), "given up");
  const lost = logs(seen, "DATA LOSS: the reseed discards what only given-up volumes held")[0];
  assert.match(
    String(lost?.fields.discards),
    /^etcd-1@120 > etcd-4@100 \(not relaunched within --member-relaunch-timeout 180s\)$/,
  );
  assert.equal(lost?.fields.seed, "etcd-4");
  assert.ok(w.orders.includes("reseed etcd-4"), `seeded from etcd-4: ${w.orders.join(", ")}`);
  assert.ok(
    h.state.reseed === undefined || h.state.reseed.discards?.[0]?.startsWith("etcd-1@120"),
    "the run records it",
  );
  assert.equal(h.state.volumesGivenUp, undefined, "cleared once the reseed is done");
});

Deno.test("reseed with volumes: dead members behind the best survivor do not hold the reseed back", () => {
  const { h, w } = cluster();
  lose(h, w, 95);
  const seen = run(h, w, 120_000);
  assert.equal(logs(seen, "automatic reseed waits for a member's volume").length, 0);
  const ranked = logs(seen, "reseed: survivors ranked by raft index")[0];
  assert.equal(
    ranked?.fields.withVolumes,
    "etcd-4@100, etcd-1@95 (task ended; volume on agent a1, awaiting relaunch), " +
      "etcd-5@90 (task ended; volume on agent a5, awaiting relaunch)",
  );
  assert.ok(w.orders.includes("reseed etcd-4"));
});

Deno.test("reseed with volumes: an operator's POST /reseed shows the ranking with the dead member's volume and is refused while it may be ahead", () => {
  const { h, w } = cluster();
  lose(h, w, 120);
  const out = h.feed({ type: "admin", action: "reseed", requestId: 7 });
  const reply = ofType(out, "adminReply")[0]!;
  assert.equal(reply.accepted, false);
  assert.match(reply.message, /^waiting to relaunch etcd-1@120 \(volume on agent a1, replaced in/);
  assert.match(
    reply.message,
    /ranking: etcd-1@120 \(task ended; volume on agent a1, awaiting relaunch\), etcd-4@100, etcd-5@90/,
  );
  assert.match(reply.message, /POST \/members\/etcd-1\/replace and reseed again$/);
  assert.equal(h.state.reseed, undefined);
  // Given up by the operator: the reseed is accepted and says what it discards.
  h.feed({ type: "replaceMember", name: "etcd-1", requestId: 8 });
  const again = ofType(h.feed({ type: "admin", action: "reseed", requestId: 9 }), "adminReply")[0]!;
  assert.equal(again.accepted, true, again.message);
  assert.match(again.message, /ranking: etcd-4@100, etcd-5@90 \(task ended/);
  assert.match(again.message, /DISCARDS .*etcd-1@120 > etcd-4@100 \(replaced by an operator\)/);
});

Deno.test("reseed with volumes: after a scheduler restart the index kept in the volume record ranks the dead member (unknown: it may be anything)", () => {
  const s = initialState({ volumes: { role: "etcd", relaunchTimeoutMs: 600_000 } });
  const record = (member: string, raftIndex?: string): VolumeRecord => ({
    member,
    agentId: `agent-${member}`,
    hostname: "h",
    persistenceId: `p-${member}`,
    peerPort: 1,
    clientPort: 2,
    labels: [],
    incarnation: 0,
    relaunchBy: 600_000,
    ...(raftIndex === undefined ? {} : { raftIndex }),
  });
  // Loaded from ZooKeeper; only etcd-3 runs (reconciled, probed at 100).
  s.volumes = [record("etcd-1", "120"), record("etcd-2"), record("etcd-3")];
  s.members = [{
    name: "etcd-3",
    taskId: "etcd-3 t",
    agentId: "agent-etcd-3",
    hostname: "h",
    peerPort: 1,
    clientPort: 2,
    taskState: "TASK_RUNNING",
    learner: false,
    reachable: true,
    raftIndex: "100",
    raftTerm: "2",
  }];
  assert.deepEqual(volumesAhead(s).map((c) => c.record.member), ["etcd-2", "etcd-1"]);
  assert.equal(
    volumeWait(s, 0),
    "waiting to relaunch etcd-2@? (volume on agent agent-etcd-2, replaced in 600s), " +
      "etcd-1@120 (volume on agent agent-etcd-1, replaced in 600s) in place: their volumes may " +
      "hold data newer than the best survivor's (etcd-3@100)",
  );
  s.volumes = [record("etcd-1", "99"), record("etcd-3")];
  assert.equal(volumeWait(s, 0), undefined, "behind the survivor: nothing to wait for");
  assert.equal(
    rankingWithVolumes(s, s.members),
    "etcd-3@100, etcd-1@99 (task ended; volume on agent agent-etcd-1, awaiting relaunch)",
  );
});
