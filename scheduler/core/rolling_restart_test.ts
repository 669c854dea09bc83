import assert from "node:assert/strict";
import type { EtcdSpec } from "../../contract/etcd_spec.ts";
import type { Effect } from "./effects.ts";
import { MAX_CATCH_UP_LAG, rollingStepBoundMs } from "./rolling_restart.ts";
import type { RollingRestartRecord } from "./rolling_restart_run.ts";
import { complete, OPTIONS } from "./testing/rolling_world.ts";
import { Harness, ofType, settle, status, World } from "./testing/scenario_world.ts";
import { healthOf, statsOf } from "./views.ts";

const SPEC: EtcdSpec = {
  uri: "http://artifacts/etcd-copy",
  flags: ["--quota-backend-bytes=4294967296"],
};

/** Ticks (5 s apart) until the run is over or `maxMs` passed; returns every effect. */
function runUntilDone(h: Harness, w: World, maxMs = 600_000): Effect[] {
  const seen: Effect[] = [];
  for (let t = 0; t < maxMs && h.state.rollingRestart?.run !== undefined; t += 5_000) {
    seen.push(...settle(h, w, h.tick(5_000), 5));
  }
  return seen;
}

function leaderName(h: Harness): string {
  return h.state.members.find((m) => m.memberId === h.state.health.leaderId)!.name;
}

function records(fx: Effect[]): RollingRestartRecord[] {
  return ofType(fx, "persistRollingRestart").map((e) => e.record);
}

Deno.test("rolling restart: followers first, leadership moved, the old leader last; each with the new etcd", () => {
  const { h, w } = complete();
  const leader = leaderName(h);
  const ids = h.state.members.map((m) => `${m.name}=${m.memberId}`);
  const fx = h.feed({ type: "rollingRestart", spec: SPEC, requestId: 1 });
  const reply = ofType(fx, "adminReply")[0]!;
  assert.equal(reply.accepted, true, reply.message);
  assert.match(reply.message, /^rolling-restart-1 started: restarting .* one at a time/);
  assert.deepEqual(records(fx)[0]?.spec, SPEC, "the chosen etcd is persisted at once");
  assert.equal(statsOf(h.state).rolling_restart, 1);
  assert.match(healthOf(h.state).reason, /; rolling restart rolling-restart-1: 0 of 3 done; /);

  const seen = [...settle(h, w, fx, 5), ...runUntilDone(h, w)];
  assert.equal(h.state.rollingRestart?.run, undefined, "the run finished");
  const followers = ["etcd-1", "etcd-2", "etcd-3"].filter((n) => n !== leader);
  assert.deepEqual(w.log.slice(0, 2).sort(), followers.map((n) => `restart ${n}`).sort());
  assert.match(w.log[2]!, new RegExp(`^move ${leader} -> (${followers.join("|")})$`));
  assert.deepEqual(w.log.slice(3), [`restart ${leader}`], "the old leader went last");
  assert.equal(w.log.length, 4, "each member restarted once");
  for (const o of w.orders) assert.deepEqual(o.order.etcd, SPEC);
  assert.deepEqual(h.state.members.map((m) => `${m.name}=${m.memberId}`), ids, "same members");
  assert.equal(ofType(seen, "kill").length + ofType(seen, "launch").length, 0, "in place");
  const last = records(seen).at(-1)!;
  assert.equal(last.run, undefined);
  assert.equal(last.finished, 1);
  assert.equal(statsOf(h.state).rolling_restarts, 1);
  assert.equal(h.state.rollingRestart?.last?.members.length, 3);
});

Deno.test("a rolling restart is refused while one runs, while unhealthy, and changes nothing", () => {
  const { h } = complete();
  h.feed({ type: "rollingRestart", spec: {}, requestId: 1 });
  const again = ofType(h.feed({ type: "rollingRestart", spec: SPEC, requestId: 2 }), "adminReply");
  assert.equal(again[0]!.accepted, false);
  assert.match(again[0]!.message, /^rolling-restart-1 is already running/);

  const { h: h2, w: w2 } = complete();
  w2.unreachable.add("etcd-1").add("etcd-2");
  settle(h2, w2, h2.tick(5_000), 5);
  const fx = h2.feed({ type: "rollingRestart", spec: SPEC, requestId: 3 });
  assert.equal(ofType(fx, "adminReply")[0]!.accepted, false);
  assert.match(ofType(fx, "adminReply")[0]!.message, /^the cluster is not healthy/);
  assert.equal(ofType(fx, "executorOrder").length, 0);
  assert.equal(h2.state.rollingRestart?.spec, undefined, "the etcd chosen before is kept");
});

Deno.test("a member that does not come back stops the run past the bound, named on /healthz", () => {
  // A long grace: the repair does not replace the silent member before the bound passes.
  const { h, w } = complete(3, { memberGracePeriodMs: 600_000 });
  const leader = leaderName(h);
  const first = ["etcd-1", "etcd-2", "etcd-3"].find((n) => n !== leader)!;
  w.silent.add(first);
  const seen = [
    ...settle(h, w, h.feed({ type: "rollingRestart", spec: SPEC, requestId: 1 }), 5),
    ...runUntilDone(h, w, 2 * rollingStepBoundMs(h.state)),
  ];
  assert.deepEqual(w.log, [`restart ${first}`], "nothing after the failing member");
  const failed = h.state.rollingRestart?.failed;
  assert.equal(failed?.member, first);
  assert.match(failed!.reason, /did not report etcd healthy within/);
  assert.match(healthOf(h.state).reason, new RegExp(`^ROLLING RESTART FAILED: .* on ${first}`));
  assert.equal(statsOf(h.state).rolling_restart_failed, 1);
  assert.equal(ofType(seen, "log").filter((l) => /^ROLLING RESTART FAILED/.test(l.msg)).length, 1);
  assert.equal(records(seen).at(-1)!.failed?.member, first, "the failure is persisted");
  assert.equal(h.state.rollingRestart?.spec, undefined, "replacements get the etcd of before");
});

Deno.test("a member that stays behind the leader is not done: the run waits, then stops on it", () => {
  const { h, w } = complete();
  const leader = leaderName(h);
  const first = ["etcd-1", "etcd-2", "etcd-3"].find((n) => n !== leader)!;
  w.lag.set(first, Number(MAX_CATCH_UP_LAG) + 50);
  settle(h, w, h.feed({ type: "rollingRestart", spec: SPEC, requestId: 1 }), 5);
  runUntilDone(h, w, 2 * rollingStepBoundMs(h.state));
  assert.deepEqual(w.log, [`restart ${first}`]);
  assert.match(
    h.state.rollingRestart?.failed?.reason ?? "",
    /not healthy and caught up.*raft index 850, leader 1000/,
  );
});

/** A new scheduler (no state) at the same time: reads the record, subscribes, adopts the tasks. */
function restartScheduler(
  h: Harness,
  w: World,
  record: RollingRestartRecord,
): { h2: Harness; fx: Effect[] } {
  const h2 = new Harness(OPTIONS, h.now);
  const fx = h2.feed({ type: "rollingRestartLoaded", record });
  fx.push(...h2.feed({ type: "subscribed", frameworkId: "fw-1" }));
  for (const [taskId, t] of w.tasks) {
    const st = status(taskId, t.state, { agentId: t.launch.agentId });
    fx.push(...h2.feed({ type: "status", status: st }));
  }
  fx.push(...h2.tick(1_000));
  return { h2, fx: settle(h2, w, fx, 5) };
}

Deno.test("a scheduler restarted mid-run resumes it: done members are not restarted again", () => {
  const { h, w } = complete();
  const leader = leaderName(h);
  w.answerRestarts = 1;
  const fx = settle(h, w, h.feed({ type: "rollingRestart", spec: SPEC, requestId: 1 }), 5);
  const saved: RollingRestartRecord[] = records(fx);
  for (let i = 0; i < 20 && (h.state.rollingRestart?.run?.done.length ?? 0) < 1; i++) {
    saved.push(...records(settle(h, w, h.tick(5_000), 5)));
  }
  const record = saved.at(-1)!;
  assert.equal(record.run?.done.length, 1, "one member done when the scheduler dies");
  const doneFirst = record.run!.done[0]!;

  // The new scheduler finds the held member's etcd running as before; orders are answered.
  w.answerRestarts = Infinity;
  const { h2, fx: resumed } = restartScheduler(h, w, record);
  const seen = [...resumed, ...runUntilDone(h2, w)];
  assert.equal(h2.state.rollingRestart?.run, undefined, "the resumed run finished");
  assert.equal(w.log.filter((l) => l === `restart ${doneFirst}`).length, 1, "not restarted twice");
  for (const n of ["etcd-1", "etcd-2", "etcd-3"]) assert.ok(w.log.includes(`restart ${n}`), n);
  assert.equal(w.log.at(-1), `restart ${leader}`, "the leader still last");
  assert.equal(records(seen).at(-1)?.finished, 1);
  assert.equal(h2.state.rollingRestart?.last?.runId, "rolling-restart-1");
  const ids = w.orders.map((o) => o.order.id);
  assert.equal(new Set(ids).size, ids.length, `no order id repeats: ${ids.join(" ")}`);
});

Deno.test("members launched after a rolling restart get the chosen etcd in their config", () => {
  const { h, w } = complete();
  settle(h, w, h.feed({ type: "rollingRestart", spec: SPEC, requestId: 1 }), 5);
  runUntilDone(h, w);
  const victim = h.state.members.find((m) => m.memberId !== h.state.health.leaderId)!;
  w.unreachable.add(victim.name);
  const seen = [...settle(h, w, h.feed(w.end(victim.name)), 5)];
  for (let i = 0; i < 20 && ofType(seen, "launch").length === 0; i++) {
    seen.push(...settle(h, w, h.tick(5_000), 5));
  }
  const launch = ofType(seen, "launch")[0];
  assert.ok(launch !== undefined, "a replacement was launched");
  assert.deepEqual(launch.member.config.etcd, SPEC);
});

Deno.test("a member slow to come back is not replaced by the repair while its step lasts", () => {
  // A short grace (10 s): an etcd loading a big data dir is silent for longer than that.
  const { h, w } = complete(3, { memberGracePeriodMs: 10_000 });
  const leader = leaderName(h);
  const first = ["etcd-1", "etcd-2", "etcd-3"].find((n) => n !== leader)!;
  w.silent.add(first);
  const seen = [...settle(h, w, h.feed({ type: "rollingRestart", spec: SPEC, requestId: 1 }), 5)];
  for (let i = 0; i < 12; i++) seen.push(...settle(h, w, h.tick(5_000), 5));
  assert.equal(ofType(seen, "kill").length, 0, "not killed after 60 s of silence");
  assert.equal(h.state.rollingRestart?.run?.current?.name, first);

  // etcd is up at last: the executor reports it, and the run goes on to the end.
  w.silent.delete(first);
  w.unreachable.delete(first);
  const order = w.orders[0]!;
  seen.push(...settle(
    h,
    w,
    h.feed({
      type: "orderOutcome",
      orderId: order.order.id,
      taskId: order.taskId,
      op: "restart",
      ok: true,
      etcd: "running",
      message: "restart done: etcd is healthy",
    }),
    5,
  ));
  seen.push(...runUntilDone(h, w));
  assert.equal(h.state.rollingRestart?.finished, 1, h.state.rollingRestart?.failed?.reason ?? "");
  assert.equal(ofType(seen, "kill").length + ofType(seen, "launch").length, 0, "in place");
});
