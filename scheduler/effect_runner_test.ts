import assert from "node:assert/strict";
import type { EtcdMember } from "../lib/etcd/admin.ts";
import { EtcdAdminError } from "../lib/etcd/admin_errors.ts";
import { EtcdAdminStub, etcdAdminStub } from "../lib/etcd/testing/etcd_admin_stub.ts";
import { memoryLogger } from "../lib/log.ts";
import type { SchedulerCall } from "../lib/mesos/calls.ts";
import type { Input } from "./core/inputs.ts";
import { EffectRunner, type EffectRunnerDeps } from "./effect_runner.ts";

const member = (id: string, learner = false): EtcdMember => ({
  id,
  name: "",
  peerUrls: [`http://h:${id}`],
  clientUrls: [],
  isLearner: learner,
});

function runner(overrides: Partial<EffectRunnerDeps> = {}) {
  const calls: SchedulerCall[] = [];
  const fed: Input[] = [];
  const timers: number[] = [];
  const logger = memoryLogger();
  const r = new EffectRunner({
    call: (c) => {
      calls.push(c);
      return Promise.resolve();
    },
    etcd: new EtcdAdminStub(),
    feed: (i) => fed.push(i),
    taskInfo: () => {
      throw new Error("not used");
    },
    armTimer: (at) => timers.push(at),
    logger,
    ...overrides,
  });
  return { r, calls, fed, timers, logger };
}

Deno.test("EffectRunner sends Mesos calls in effect order even when an earlier one is slow", async () => {
  const order: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => release = r);
  const { r } = runner({
    call: async (c) => {
      order.push(`start ${c.type}`);
      if (c.type === "SUPPRESS") await gate;
      order.push(`end ${c.type}`);
    },
  });
  r.run({ type: "suppress" });
  r.run({ type: "revive" });
  r.run({ type: "kill", taskId: "t1", agentId: "a1", reason: "test" });
  await new Promise((res) => setTimeout(res, 0));
  assert.deepEqual(order, ["start SUPPRESS"]);
  release();
  await r.idle();
  assert.deepEqual(order, [
    "start SUPPRESS",
    "end SUPPRESS",
    "start REVIVE",
    "end REVIVE",
    "start KILL",
    "end KILL",
  ]);
});

Deno.test("EffectRunner answers etcdAddLearner with the new member and the membership", async () => {
  const etcd = etcdAdminStub({
    addLearner: (urls, o) => {
      assert.deepEqual(urls, ["http://h:2"]);
      assert.deepEqual(o?.endpoints, ["http://h:1"]);
      return Promise.resolve({
        member: member("2", true),
        members: [member("1"), member("2", true)],
        learner: true,
      });
    },
  });
  const { r, fed } = runner({ etcd });
  r.run({
    type: "etcdAddLearner",
    member: { name: "etcd-2", peerUrl: "http://h:2" },
    endpoints: ["http://h:1"],
  });
  await r.idle();
  assert.deepEqual(fed, [{
    type: "etcdResult",
    op: "addLearner",
    ok: true,
    memberId: "2",
    learner: true,
    members: [
      { id: "1", name: "", peerUrls: ["http://h:1"], clientUrls: [], isLearner: false },
      { id: "2", name: "", peerUrls: ["http://h:2"], clientUrls: [], isLearner: true },
    ],
  }]);
});

Deno.test("EffectRunner turns an etcd failure into a failed etcdResult with its kind", async () => {
  const etcd = etcdAdminStub({
    promote: () =>
      Promise.reject(
        new EtcdAdminError("memberPromote", "h:1", "learner-not-ready", "not in sync"),
      ),
  });
  const { r, fed } = runner({ etcd });
  r.run({ type: "etcdPromote", memberId: "2", name: "etcd-2", endpoints: ["http://h:1"] });
  await r.idle();
  assert.equal(fed.length, 1);
  const got = fed[0] as Extract<Input, { type: "etcdResult" }>;
  assert.equal(got.op, "promote");
  assert.equal(got.ok, false);
  assert.equal(got.errorKind, "learner-not-ready");
  assert.match(String(got.detail), /not in sync/);
});

Deno.test("EffectRunner logs log effects, arms timers and never throws on a bad ack", async () => {
  const { r, timers, logger, calls } = runner();
  r.run({ type: "log", level: "warn", msg: "hello", fields: { a: 1 } });
  r.run({ type: "armTimer", at: 1234 });
  r.run({
    type: "acknowledge",
    status: { task_id: { value: "t" }, state: "TASK_RUNNING", uuid: new Uint8Array(16) },
  });
  await r.idle();
  assert.deepEqual(timers, [1234]);
  assert.ok(logger.records.some((x) => x.level === "warn" && x.msg === "hello"));
  assert.ok(logger.records.some((x) => x.msg === "cannot acknowledge"), "no agent id");
  assert.deepEqual(calls, []);
});

Deno.test("EffectRunner sends DECLINE with the effect's filter and RECONCILE with its tasks", async () => {
  const { r, calls } = runner();
  r.run({ type: "decline", offerIds: ["o1", "o2"], refuseSeconds: 3600 });
  r.run({ type: "reconcile", tasks: [{ taskId: "t1", agentId: "a1" }] });
  await r.idle();
  assert.deepEqual(calls, [
    {
      type: "DECLINE",
      decline: { offer_ids: [{ value: "o1" }, { value: "o2" }], filters: { refuse_seconds: 3600 } },
    },
    {
      type: "RECONCILE",
      reconcile: { tasks: [{ task_id: { value: "t1" }, agent_id: { value: "a1" } }] },
    },
  ]);
});

Deno.test("EffectRunner sends an executorOrder as a MESSAGE with the JSON order; a failed send comes back undelivered", async () => {
  const order = { op: "stop" as const, id: "reseed-1-stop-etcd-2-1", taskId: "etcd-2 h 1 2" };
  const effect = {
    type: "executorOrder" as const,
    taskId: order.taskId,
    agentId: "a2",
    executorId: "etcd-executor-etcd-2-1",
    order,
    reason: "fence",
  };
  const ok = runner();
  ok.r.run(effect);
  await ok.r.idle();
  assert.equal(ok.calls.length, 1);
  const call = ok.calls[0]!;
  assert.equal(call.type, "MESSAGE");
  assert.equal(call.message?.agent_id.value, "a2");
  assert.equal(call.message?.executor_id.value, "etcd-executor-etcd-2-1");
  assert.deepEqual(JSON.parse(new TextDecoder().decode(call.message?.data)), order);
  assert.deepEqual(ok.fed, []);

  const failing = runner({ call: () => Promise.reject(new Error("master gone")) });
  failing.r.run(effect);
  await failing.r.idle();
  assert.deepEqual(failing.fed, [{
    type: "orderOutcome",
    orderId: order.id,
    taskId: order.taskId,
    op: "stop",
    ok: false,
    message: "the MESSAGE call failed",
    undelivered: true,
  }]);
});

Deno.test("EffectRunner sends a no-grace KILL with a zero kill policy", async () => {
  const { r, calls } = runner();
  r.run({ type: "kill", taskId: "t1", agentId: "a1", reason: "frozen", graceMs: 0 });
  await r.idle();
  assert.equal(calls[0]?.type, "KILL");
  assert.deepEqual(calls[0]?.kill?.kill_policy, { grace_period: { nanoseconds: 0 } });
});
