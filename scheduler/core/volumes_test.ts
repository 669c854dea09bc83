import assert from "node:assert/strict";
import type { Effect, MemberLaunch } from "./effects.ts";
import {
  Harness,
  offer,
  ofType,
  reservedOffer,
  settle,
  status,
  TEST_OPTIONS,
  World,
} from "./testing/scenario_world.ts";
import { healthOf, statsOf, volumesOf } from "./views.ts";
import { strayReservations, VOLUME_CONTAINER_PATH, withVolume } from "./volumes.ts";

const VOLUMES = { role: "etcd", relaunchTimeoutMs: 600_000 };
const OPTIONS = { ...TEST_OPTIONS, volumes: VOLUMES };

/** A complete 3-member cluster on volumes; the first launches of each member. */
function complete(): { h: Harness; w: World; launches: MemberLaunch[] } {
  const { h, w, all } = bringUp();
  return { h, w, launches: ofType(all, "launch").map((e) => e.member) };
}

function bringUp(): { h: Harness; w: World; all: Effect[] } {
  const h = new Harness(OPTIONS);
  const w = new World();
  h.feed({ type: "volumesKnown", records: [] });
  const offers = [1, 2, 3].map((a) => offer(a));
  const all = settle(h, w, [...h.connect(), ...h.feed({ type: "offers", offers })], 3);
  const running = () => h.state.members.filter((m) => m.taskState === "TASK_RUNNING").length;
  for (let i = 0; i < 30 && (running() < 3 || !h.state.health.healthy); i++) {
    all.push(...settle(h, w, h.tick(5_000), 3));
  }
  assert.equal(running(), 3);
  return { h, w, all };
}

Deno.test("withVolume() reserves everything a first launch uses and makes its disk a volume", () => {
  const { launches } = complete();
  const l = launches[0]!;
  const stack = (r: { reservations?: unknown[] }) => r.reservations?.length;
  assert.ok(l.volume !== undefined);
  assert.deepEqual(l.volume.reserve.map((r) => r.name).sort(), [
    "cpus",
    "cpus",
    "disk",
    "mem",
    "mem",
    "ports",
    "ports",
  ]);
  assert.ok(
    [...l.volume.reserve, ...l.taskResources, ...l.executorResources].every((r) =>
      stack(r) === 1 && r.reservations![0]!.type === "DYNAMIC" &&
      r.reservations![0]!.role === "etcd"
    ),
  );
  const volume = l.taskResources.find((r) => r.name === "disk")!;
  assert.equal(volume.disk?.volume?.container_path, VOLUME_CONTAINER_PATH);
  assert.equal(volume.disk?.volume?.mode, "RW");
  assert.equal(l.config.volume, VOLUME_CONTAINER_PATH, "the executor keeps etcd's data on it");
  assert.deepEqual(l.volume.create, [volume]);
  assert.deepEqual(volume.reservations![0]!.labels?.labels, [
    { key: "etcd_mesos_framework", value: "fw-1" },
    { key: "etcd_mesos_member", value: l.name },
  ]);
  const plain = { ...l, volume: undefined, taskResources: [] };
  assert.equal(withVolume(plain, VOLUMES, { frameworkId: "fw-1", unique: 1 }), undefined);
});

Deno.test("volumes: each first launch's record is persisted before its ACCEPT", () => {
  const { h, all } = bringUp();
  for (const e of ofType(all, "launch")) {
    const at = all.indexOf(e);
    const persisted = all.findIndex((x) =>
      x.type === "persistVolume" && x.record.member === e.member.name
    );
    assert.ok(persisted >= 0 && persisted < at, `${e.member.name}: record before the launch`);
  }
  assert.equal(h.state.volumes?.length, 3);
});

Deno.test("volumes: a member whose task fails is relaunched in place (same name and member id, new task id), not removed", () => {
  const { h, w, launches } = complete();
  const l = launches[1]!;
  const memberId = h.state.members.find((m) => m.name === l.name)!.memberId;
  const ended = h.feed(w.end(l.name, "TASK_FAILED"));
  assert.equal(ofType(ended, "etcdRemove").length, 0, "not removed from etcd");
  assert.equal(ofType(ended, "persistVolume")[0]?.record.relaunchBy, h.now + 600_000);
  assert.equal(h.state.lost, false);
  // Other agents' offers are not used to add a member in its place.
  h.now += 1000;
  const other = h.feed({ type: "offers", offers: [offer(9)] });
  assert.equal(ofType(other, "launch").length + ofType(other, "etcdAddLearner").length, 0);
  h.now += 1000;
  const back = h.feed({ type: "offers", offers: [reservedOffer(l, "R1")] });
  const relaunch = ofType(back, "launch")[0];
  assert.ok(relaunch !== undefined, "relaunched");
  assert.equal(relaunch.member.name, l.name);
  assert.equal(relaunch.member.taskId, `${l.taskId} r1`);
  assert.equal(relaunch.member.volume, undefined, "no second RESERVE or CREATE");
  assert.equal(relaunch.member.config.volume, VOLUME_CONTAINER_PATH);
  assert.ok(relaunch.member.taskResources.some((r) => r.disk?.persistence !== undefined));
  const m = h.state.members.find((x) => x.name === l.name)!;
  assert.equal(m.memberId, memberId);
  assert.equal(m.taskState, "TASK_STAGING");
  assert.equal(h.state.counters.members_removed, 0);
});

Deno.test("volumes: every member lost is no total loss while their volumes wait", () => {
  const { h, w, launches } = complete();
  for (const l of launches) h.feed(w.end(l.name, "TASK_KILLED"));
  assert.equal(h.state.lost, false);
  assert.equal(statsOf(h.state).relaunching, 3);
  assert.deepEqual(volumesOf(h.state).map((v) => v.state), ["waiting", "waiting", "waiting"]);
  assert.ok(volumesOf(h.state).every((v) => v.replaceAt !== null));
  h.now += 1000;
  const back = h.feed({
    type: "offers",
    offers: launches.map((l, i) => reservedOffer(l, `R${i}`)),
  });
  assert.equal(statsOf(h.state).members_relaunched, 3);
  assert.deepEqual(
    ofType(back, "launch").map((e) => e.member.name).sort(),
    launches.map((l) => l.name).sort(),
  );
});

Deno.test("volumes: past --member-relaunch-timeout the member is replaced and its reservation cleaned up", () => {
  const { h, w, launches } = complete();
  const l = launches[2]!;
  h.feed(w.end(l.name, "TASK_FAILED"));
  const late = h.tick(600_001);
  assert.deepEqual(ofType(late, "forgetVolume").map((e) => e.member), [l.name]);
  assert.equal(ofType(late, "etcdRemove")[0]?.name, l.name, "then removed the ordinary way");
  assert.equal(h.state.volumes?.some((r) => r.member === l.name), false);
  // Once etcd no longer lists it, its reservation offered back is destroyed and unreserved.
  settle(h, w, late, 3, { answerRevive: false });
  const cleanup = h.feed({ type: "offers", offers: [reservedOffer(l, "C1")] });
  assert.deepEqual(ofType(cleanup, "cleanupVolumes").map((e) => e.stray.members), [[l.name]]);
  // Its reservation, offered now, is nobody's: DESTROY then UNRESERVE.
  const stray = strayReservations(reservedOffer(l, "S"), "fw-1", h.state.volumes ?? []);
  assert.equal(stray?.destroy.length, 1);
  assert.equal(stray?.unreserve.length, 7);
  assert.ok(stray?.unreserve.every((r) => r.disk?.persistence === undefined));
  assert.equal(
    strayReservations(reservedOffer(l, "S"), "fw-1", [], new Set([l.name])),
    undefined,
    "never while the member runs or is in etcd",
  );
});

Deno.test("volumes: TASK_GONE replaces the member at once", () => {
  const { h, w, launches } = complete();
  const out = h.feed(w.end(launches[0]!.name, "TASK_GONE"));
  assert.deepEqual(ofType(out, "forgetVolume").map((e) => e.member), [launches[0]!.name]);
});

Deno.test("volumes: a first launch refused before it ran is replaced at once", () => {
  const h = new Harness(OPTIONS);
  h.feed({ type: "volumesKnown", records: [] });
  h.connect();
  const launched = h.feed({ type: "offers", offers: [offer(1)] });
  const l = ofType(launched, "launch")[0]!.member;
  const out = h.feed({
    type: "status",
    status: status(l.taskId, "TASK_ERROR", { agentId: l.agentId, uuid: true }),
  });
  assert.deepEqual(ofType(out, "forgetVolume").map((e) => e.member), [l.name]);
});

Deno.test("volumes: no automatic reseed while members wait to come back from their volumes", () => {
  const { h, w, launches } = complete();
  h.feed(w.end(launches[0]!.name, "TASK_FAILED"));
  h.feed(w.end(launches[1]!.name, "TASK_FAILED"));
  for (let i = 0; i < 12; i++) settle(h, w, h.tick(30_000), 3, { answerRevive: false });
  assert.equal(h.state.reseed, undefined, "no reseed within --member-relaunch-timeout");
  assert.equal(h.state.volumes?.length, 3);
});

Deno.test("volumes: a removed agent's members are replaced once their task ends", () => {
  const { h, w, launches } = complete();
  const l = launches[0]!;
  const failure = h.feed({ type: "failure", agentId: l.agentId });
  assert.equal(ofType(failure, "forgetVolume").length, 0, "not while its task may still run");
  const kept = ofType(failure, "persistVolume").map((e) => e.record);
  assert.deepEqual(kept.map((r) => [r.member, r.givenUp]), [[l.name, "its agent was removed"]]);
  const out = h.feed(w.end(l.name, "TASK_LOST"));
  assert.deepEqual(ofType(out, "forgetVolume").map((e) => e.member), [l.name]);

  // A scheduler restarted in between reads why from the record and replaces it at once too.
  const next = new Harness(OPTIONS);
  next.feed({ type: "volumesKnown", records: kept });
  const after = settle(next, new World(), next.connect(), 3);
  assert.deepEqual(ofType(after, "forgetVolume").map((e) => e.member), [l.name]);
});

Deno.test("volumes: a replaced member's new member goes to another agent when one offers", () => {
  const { h, w, launches } = complete();
  const l = launches[1]!;
  settle(h, w, h.feed({ type: "replaceMember", name: l.name, requestId: 1 }), 3, {
    answerRevive: false,
  });
  h.now += 1000;
  const old = Number(l.agentId.slice(1));
  const out = h.feed({ type: "offers", offers: [offer(old), offer(4)] });
  const add = ofType(out, "etcdAddLearner")[0];
  assert.ok(add !== undefined, "a new member is added");
  assert.equal(h.state.change?.kind === "add" && h.state.change.launch?.agentId, "a4");
});

Deno.test("volumes: with no other agent the replacement goes back to the old agent after a while", () => {
  const { h, w, launches } = complete();
  const l = launches[1]!;
  settle(h, w, h.feed({ type: "replaceMember", name: l.name, requestId: 1 }), 3, {
    answerRevive: false,
  });
  const old = Number(l.agentId.slice(1));
  h.now += 1000;
  const early = h.feed({ type: "offers", offers: [offer(old)] });
  assert.equal(ofType(early, "etcdAddLearner").length, 0, "not at once");
  assert.equal(ofType(early, "decline")[0]?.refuseSeconds, 15, "declined with the short filter");
  h.now += 30_000;
  const late = h.feed({ type: "offers", offers: [offer(old)] });
  assert.equal(ofType(late, "etcdAddLearner").length, 1, "then there");
});

Deno.test("volumes: a new member never takes reserved resources (it could not reserve them again)", () => {
  const { h, w, launches } = complete();
  const l = launches[1]!;
  settle(h, w, h.feed({ type: "replaceMember", name: l.name, requestId: 1 }), 3, {
    answerRevive: false,
  });
  h.now += 1000;
  // An agent whose resources are all statically reserved for the role (no labels of ours).
  const roleOnly = offer(4);
  roleOnly.resources = roleOnly.resources!.map((r) => ({
    ...r,
    role: undefined,
    reservations: [{ type: "STATIC" as const, role: "etcd" }],
  }));
  const out = h.feed({ type: "offers", offers: [roleOnly] });
  assert.equal(ofType(out, "etcdAddLearner").length, 0);
  const plain = h.feed({ type: "offers", offers: [offer(5)] });
  assert.equal(ofType(plain, "etcdAddLearner").length, 1, "an unreserved offer will do");
});

Deno.test("volumes: an operator's replace gives up the volume and retires the member", () => {
  const { h, launches } = complete();
  const name = launches[1]!.name;
  const out = h.feed({ type: "replaceMember", name, requestId: 7 });
  assert.deepEqual(ofType(out, "adminReply")[0]?.accepted, true);
  assert.deepEqual(ofType(out, "forgetVolume").map((e) => e.member), [name]);
  assert.equal(ofType(out, "kill").length, 1);
  const unknown = h.feed({ type: "replaceMember", name: "etcd-99", requestId: 8 });
  assert.match(ofType(unknown, "adminReply")[0]!.message, /no member etcd-99/);
});

Deno.test("volumes: an offer of a waiting member's agent not usable yet is declined briefly, so a failed relaunch is retried within seconds", () => {
  const { h, w, launches } = complete();
  const l = launches[0]!;
  h.feed(w.end(l.name, "TASK_FAILED"));
  h.now += 1000;
  const first = ofType(h.feed({ type: "offers", offers: [reservedOffer(l, "R1")] }), "launch");
  assert.equal(first.length, 1, "relaunched");
  // The relaunched task fails at once (its executor could not start): the agent offers the
  // reservation back before the relaunch spacing has passed.
  const retryTask = first[0]!.member.taskId;
  h.feed({ type: "status", status: status(retryTask, "TASK_FAILED", { agentId: l.agentId }) });
  h.now += 500;
  const early = h.feed({ type: "offers", offers: [reservedOffer(l, "R2")] });
  assert.equal(ofType(early, "launch").length, 0, "not relaunched twice within the spacing");
  const declined = ofType(early, "decline").find((d) => d.offerIds.includes("R2"));
  assert.ok(declined !== undefined, "the offer is declined");
  assert.ok(
    declined.refuseSeconds <= (2 * h.state.options.healthIntervalMs) / 1000,
    `declined for ${declined.refuseSeconds}s: it must come back for the retry`,
  );
  h.now += declined.refuseSeconds * 1000 + 1;
  const again = ofType(h.feed({ type: "offers", offers: [reservedOffer(l, "R3")] }), "launch");
  assert.equal(again[0]?.member.taskId, `${l.taskId} r2`, "relaunched again");
  assert.equal(statsOf(h.state).members_relaunched, 2);
  h.feed({ type: "replaceMember", name: l.name, requestId: 1 });
  assert.equal(statsOf(h.state).members_relaunched, 2, "a counter: the replace keeps it");
});

Deno.test("volumes: while a dead executor's etcd still answers, its agent's offer is declined briefly and used once the etcd is gone", () => {
  const { h, w, launches } = complete();
  const l = launches[1]!;
  const names = launches.map((x) => x.name);
  const stillAnswering = w.probe(names); // taken while every etcd runs
  h.feed(w.end(l.name, "TASK_FAILED"));
  h.feed(stillAnswering); // the ended task's etcd answers: a stray
  assert.ok(h.state.strays?.some((x) => x.name === l.name), "its etcd is a stray");
  h.now += 1000;
  const held = h.feed({ type: "offers", offers: [reservedOffer(l, "R1")] });
  assert.equal(ofType(held, "launch").length, 0, "no relaunch while its old etcd answers");
  const declined = ofType(held, "decline").find((d) => d.offerIds.includes("R1"))!;
  assert.ok(declined.refuseSeconds <= 10, `declined for ${declined.refuseSeconds}s`);
  h.now += declined.refuseSeconds * 1000 + 1;
  h.feed(w.probe(names)); // it is gone now
  const back = ofType(h.feed({ type: "offers", offers: [reservedOffer(l, "R2")] }), "launch");
  assert.equal(back[0]?.member.taskId, `${l.taskId} r1`, "relaunched in place");
});

Deno.test("volumes: a relaunch waiting 30 s for its agent's offer is said loudly, naming the member and the agent", () => {
  const { h, w, launches } = complete();
  const l = launches[2]!;
  h.feed(w.end(l.name, "TASK_FAILED"));
  const fx = [...h.tick(15_000), ...h.tick(16_000)];
  const warn = ofType(fx, "log").find((e) => e.msg === "no offer fits a member");
  assert.ok(warn !== undefined, "a WARN after 30 s");
  const reason = healthOf(h.state).reason;
  assert.match(reason, new RegExp(`to relaunch in place: ${l.name}'s reservation and volume`));
  assert.match(reason, new RegExp(`from agent ${l.agentId}`));
  assert.equal(statsOf(h.state).offers_unfit, 1);
});
