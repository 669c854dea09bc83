import assert from "node:assert/strict";
import { FakeClock } from "../lib/clock.ts";
import type { EtcdMember, EtcdMemberStatus } from "../lib/etcd/admin.ts";
import { EtcdAdminStub } from "../lib/etcd/testing/etcd_admin_stub.ts";
import { memoryLogger } from "../lib/log.ts";
import { AsyncQueue } from "../lib/mesos/async_queue.ts";
import type { SchedulerCall } from "../lib/mesos/calls.ts";
import { FrameworkRemovedError } from "../lib/mesos/client_errors.ts";
import type { SchedulerNotice } from "../lib/mesos/scheduler_client.ts";
import type { SchedulerEvent, TaskInfo } from "../lib/mesos/types.ts";
import { decodeMemberConfig } from "../contract/member_config.ts";
import { offer, status, TEST_OPTIONS } from "./core/testing/scenario_world.ts";
import { executorCommand } from "../contract/executor_command.ts";
import { SchedulerHistory } from "./admin/history.ts";
import { createSchedulerShell, type SchedulerShellOptions, type ShellClient } from "./shell.ts";

const FW = "6f1c2a9e-5d3b-4c1e-9a7f-0b8e2d4c6a10-0000";

/** Lets promise callbacks (effects answering) run. */
const flush = () => new Promise((r) => setTimeout(r, 0));

class FakeClient implements ShellClient {
  readonly notices = new AsyncQueue<SchedulerNotice>();
  readonly calls: SchedulerCall[] = [];
  fail: ((call: SchedulerCall) => Error | undefined) | undefined;

  call(call: SchedulerCall): Promise<unknown> {
    this.calls.push(call);
    const error = this.fail?.(call);
    return error ? Promise.reject(error) : Promise.resolve({});
  }

  [Symbol.asyncIterator]() {
    return this.notices[Symbol.asyncIterator]();
  }

  event(event: SchedulerEvent): void {
    this.notices.push({ type: "event", event });
  }

  types(): string[] {
    return this.calls.map((c) => c.type);
  }
}

/** A single-member etcd that answers for every endpoint it is asked about. */
class FakeEtcd extends EtcdAdminStub {
  statusCalls: string[] = [];
  members: EtcdMember[] = [];
  override status(endpoint: string): Promise<EtcdMemberStatus> {
    this.statusCalls.push(endpoint);
    return Promise.resolve({
      endpoint,
      memberId: "11",
      leader: "11",
      raftIndex: "5",
      raftAppliedIndex: "5",
      raftTerm: "2",
      isLearner: false,
      dbSize: 1,
      dbSizeInUse: 1,
      version: "3.4.0",
      errors: [],
    });
  }
  override memberList(): Promise<EtcdMember[]> {
    return Promise.resolve(this.members);
  }
  override linearizableRead() {
    return Promise.resolve({ memberId: "11", revision: "1", raftTerm: "2" });
  }
}

function setup(
  overrides: {
    persist?: (id: string) => Promise<void>;
    newFramework?: boolean;
    onStep?: SchedulerShellOptions["onStep"];
  } = {},
) {
  const clock = new FakeClock(1_000_000);
  const client = new FakeClient();
  const etcd = new FakeEtcd();
  const logger = memoryLogger();
  const persisted: string[] = [];
  const shell = createSchedulerShell({
    client,
    etcd,
    executor: {
      command: executorCommand({
        executorUri: "http://127.0.0.1:12300/etcd-mesos-executor.tar.gz",
        etcdUri: "http://127.0.0.1:12300/etcd",
      }),
    },
    core: { ...TEST_OPTIONS, clusterSize: 1 },
    persistFrameworkId: overrides.persist ?? ((id) => {
      persisted.push(id);
      return Promise.resolve();
    }),
    clock,
    logger,
    tickMs: 60_000,
    newFramework: overrides.newFramework,
    onStep: overrides.onStep,
  });
  const running = shell.run();
  return { clock, client, etcd, logger, persisted, shell, running };
}

async function finish(t: ReturnType<typeof setup>): Promise<void> {
  t.client.notices.close();
  await t.running;
  await t.shell.stop();
}

function connected(client: FakeClient): void {
  client.notices.push({
    type: "connected",
    frameworkId: FW,
    streamId: "s1",
    leader: new URL("http://127.0.0.1:5050/api/v1/scheduler"),
    subscribed: { framework_id: { value: FW } },
  });
}

Deno.test("shell: SUBSCRIBED persists the id and reconciles; an offer then launches the first member with the executor", async () => {
  const t = setup();
  try {
    connected(t.client);
    await flush();
    assert.deepEqual(t.persisted, [FW]);
    assert.deepEqual(t.client.types(), ["RECONCILE"]);
    assert.equal(t.shell.stats().mutable, 0, "still reconciling");
    t.clock.advance(1001); // the core's timer: a quiet second ends the reconciliation
    await flush();
    assert.equal(t.shell.stats().mutable, 1, "reconciliation settled");
    const o = offer(1);
    t.client.event({ type: "OFFERS", offers: { offers: [o] } });
    await flush();
    const accept = t.client.calls.find((c) => c.type === "ACCEPT");
    assert.ok(accept, `no ACCEPT in ${t.client.types()}`);
    const task: TaskInfo = accept.accept!.operations[0]!.launch!.task_infos[0]!;
    assert.equal(task.agent_id.value, "a1");
    assert.equal(task.executor?.type, "CUSTOM");
    assert.equal(task.executor?.framework_id?.value, FW);
    assert.equal(task.executor?.command?.value, "exec ./etcd-mesos-executor");
    assert.deepEqual(task.executor?.command?.uris?.map((u) => u.value), [
      "http://127.0.0.1:12300/etcd-mesos-executor.tar.gz",
      "http://127.0.0.1:12300/etcd",
    ]);
    assert.ok(task.resources?.some((r) => r.name === "ports"));
    const config = decodeMemberConfig(task.data);
    assert.equal(config.clusterState, "new");
    assert.deepEqual(accept.accept!.offer_ids, [o.id]);
  } finally {
    await finish(t);
  }
});

Deno.test("shell: a brand-new framework is mutable at its first SUBSCRIBED; a re-subscription reconciles", async () => {
  const t = setup({ newFramework: true });
  try {
    connected(t.client);
    await flush();
    assert.equal(t.shell.stats().mutable, 1, "nothing to reconcile for a new framework");
    t.client.notices.push({ type: "disconnected", reason: "test" });
    connected(t.client);
    await flush();
    assert.equal(t.shell.stats().mutable, 0, "a re-subscription waits for reconciliation");
  } finally {
    await finish(t);
  }
});

Deno.test("shell: onStep sees every step (the admin history counts subscriptions and reconciliations)", async () => {
  const history = new SchedulerHistory();
  const inputs: string[] = [];
  const t = setup({
    onStep: (step) => {
      inputs.push(step.input.type);
      history.observe(step);
    },
  });
  try {
    connected(t.client);
    await flush();
    t.clock.advance(1001);
    await flush();
    assert.deepEqual(inputs.slice(0, 2), ["subscribed", "tick"]);
    assert.equal(t.shell.stats().mutable, 1);
    assert.deepEqual(history.counters(), {
      subscriptions: 1,
      reconciliations: 1,
      tasks_adopted: 0,
      leader_lock_losses: 0,
    });
  } finally {
    await finish(t);
  }
});

Deno.test("shell: a running member is probed, acknowledged, and probed again when the timer fires", async () => {
  const t = setup();
  try {
    connected(t.client);
    await flush();
    t.clock.advance(1001);
    await flush();
    t.client.event({ type: "OFFERS", offers: { offers: [offer(2)] } });
    await flush();
    const task = t.client.calls.find((c) => c.type === "ACCEPT")!.accept!.operations[0]!
      .launch!.task_infos[0]!;
    t.etcd.members = [{
      id: "11",
      name: "etcd-1",
      peerUrls: [`http://h2:${decodeMemberConfig(task.data).peerPort}`],
      clientUrls: [],
      isLearner: false,
    }];
    t.client.event({
      type: "UPDATE",
      update: { status: status(task.task_id.value, "TASK_RUNNING", { agentId: "a2", uuid: true }) },
    });
    await flush();
    await flush();
    assert.ok(t.client.types().includes("ACKNOWLEDGE"));
    assert.equal(t.etcd.statusCalls.length, 1);
    assert.equal(t.shell.health().healthy, true, t.shell.health().reason);
    assert.equal(t.shell.members()[0]?.memberId, "11");
    assert.ok(t.client.types().includes("SUPPRESS"), "complete cluster suppresses offers");
    t.clock.advance(TEST_OPTIONS.healthIntervalMs! + 1);
    await flush();
    assert.equal(t.etcd.statusCalls.length, 2, "the armed timer probed again");
  } finally {
    await finish(t);
  }
});

Deno.test("shell: a failing Mesos call is logged and later inputs are still handled", async () => {
  const t = setup();
  try {
    t.client.fail = (c) => c.type === "RECONCILE" ? new Error("master said no") : undefined;
    connected(t.client);
    await flush();
    assert.ok(
      t.logger.records.some((r) => r.level === "error" && r.msg === "RECONCILE failed"),
      t.logger.lines.join("\n"),
    );
    t.clock.advance(1001);
    await flush();
    t.client.event({ type: "OFFERS", offers: { offers: [offer(3)] } });
    await flush();
    assert.ok(t.client.types().includes("ACCEPT"));
  } finally {
    await finish(t);
  }
});

Deno.test("shell: a failed ACCEPT asks the master about the task", async () => {
  const t = setup();
  try {
    t.client.fail = (c) => c.type === "ACCEPT" ? new Error("offer gone") : undefined;
    connected(t.client);
    await flush();
    t.clock.advance(1001);
    await flush();
    t.client.event({ type: "OFFERS", offers: { offers: [offer(4)] } });
    await flush();
    const last = t.client.calls.at(-1)!;
    assert.equal(last.type, "RECONCILE");
    assert.match(last.reconcile!.tasks[0]!.task_id.value, /^etcd-1 /);
  } finally {
    await finish(t);
  }
});

Deno.test("shell: run() rejects when the master removed the framework, and nothing is launched", async () => {
  const t = setup();
  t.client.notices.close(new FrameworkRemovedError("Framework has been removed", FW));
  await assert.rejects(t.running, FrameworkRemovedError);
  await t.shell.stop();
  assert.deepEqual(t.client.calls, []);
});

Deno.test("shell: a persistence failure is logged, not fatal", async () => {
  const t = setup({ persist: () => Promise.reject(new Error("zk down")) });
  try {
    connected(t.client);
    await flush();
    assert.ok(
      t.logger.records.some((r) => r.msg === "cannot persist the framework id"),
      t.logger.lines.join("\n"),
    );
    assert.deepEqual(t.client.types(), ["RECONCILE"]);
  } finally {
    await finish(t);
  }
});

Deno.test("shell: a reseed request is answered with the core's decision", async () => {
  const t = setup();
  try {
    const early = await t.shell.requestReseed();
    assert.equal(early.accepted, false);
    assert.equal(early.message, "not connected to the master");
    connected(t.client);
    await flush();
    t.clock.advance(1001);
    await flush();
    const refused = await t.shell.requestReseed();
    assert.deepEqual(refused, { accepted: false, message: "no member has been probed yet" });
    assert.equal(t.shell.stats().reseeding, 0);
  } finally {
    await finish(t);
  }
  assert.deepEqual(await t.shell.requestReseed(), {
    accepted: false,
    message: "the scheduler is stopping",
  });
});

Deno.test("shell: executor outcomes from MESSAGE and labelled updates reach the core as orderOutcome", async () => {
  const t = setup();
  try {
    const fed: string[] = [];
    const push = t.shell.push.bind(t.shell);
    t.shell.push = (input) => {
      fed.push(
        input.type === "orderOutcome"
          ? `orderOutcome:${input.op}:${input.orderId}:${input.ok}`
          : input.type,
      );
      push(input);
    };
    const outcome = (id: string) =>
      new TextEncoder().encode(JSON.stringify({
        kind: "outcome",
        op: "stop",
        id,
        taskId: "etcd-1 h1 31100 31101",
        ok: true,
        etcd: "stopped",
        message: "etcd stopped; data dir kept",
      }));
    t.client.event({
      type: "MESSAGE",
      message: { agent_id: { value: "a1" }, executor_id: { value: "e1" }, data: outcome("r-1") },
    });
    const update = status("etcd-1 h1 31100 31101", "TASK_RUNNING", { agentId: "a1" });
    update.data = outcome("r-2");
    update.labels = { labels: [{ key: "etcd-mesos.op", value: "stop" }] };
    t.client.event({ type: "UPDATE", update: { status: update } });
    t.client.event({
      type: "MESSAGE",
      message: {
        agent_id: { value: "a1" },
        executor_id: { value: "e1" },
        data: new TextEncoder().encode("hello"),
      },
    });
    await flush();
    assert.deepEqual(fed.filter((f) => f !== "probe"), [
      "orderOutcome:stop:r-1:true",
      "status",
      "orderOutcome:stop:r-2:true",
    ]);
    assert.ok(
      t.logger.records.some((r) => r.msg === "executor message is not an order outcome"),
      t.logger.lines.join("\n"),
    );
  } finally {
    await finish(t);
  }
});

Deno.test("shell: after a re-subscription, unanswered tasks are reconciled again with backoff and offers are declined meanwhile", async () => {
  const t = setup();
  try {
    connected(t.client);
    await flush();
    t.clock.advance(1001);
    await flush();
    t.client.event({ type: "OFFERS", offers: { offers: [offer(2)] } });
    await flush();
    const task = t.client.calls.find((c) => c.type === "ACCEPT")!.accept!.operations[0]!
      .launch!.task_infos[0]!;
    const taskId = task.task_id.value;
    t.client.event({
      type: "UPDATE",
      update: { status: status(taskId, "TASK_RUNNING", { agentId: "a2", uuid: true }) },
    });
    await flush();
    // Master failover: the stream ends, a new leader accepts the same framework.
    t.client.notices.push({ type: "disconnected", reason: "leader changed" });
    connected(t.client);
    await flush();
    t.client.calls.length = 0;
    t.clock.advance(1001); // the new master stays silent: its agent has not re-registered
    await flush();
    const asked = t.client.calls.filter((c) => c.type === "RECONCILE");
    assert.equal(asked.length, 1, `asked again once: ${t.client.types()}`);
    assert.deepEqual(asked[0]!.reconcile!.tasks, [
      { task_id: { value: taskId }, agent_id: { value: "a2" } },
    ]);
    assert.equal(t.shell.stats().mutable, 0, "Immutable while unanswered");
    t.client.event({ type: "OFFERS", offers: { offers: [offer(3)] } });
    await flush();
    assert.ok(t.client.types().includes("DECLINE"), `${t.client.types()}`);
    assert.ok(!t.client.types().includes("ACCEPT"), "nothing launched while reconciling");
    t.clock.advance(2001);
    await flush();
    assert.equal(t.client.calls.filter((c) => c.type === "RECONCILE").length, 2, "after 2 s");
    t.client.event({
      type: "UPDATE",
      update: { status: status(taskId, "TASK_RUNNING", { agentId: "a2" }) },
    });
    await flush();
    t.clock.advance(1001);
    await flush();
    await flush();
    assert.equal(t.shell.stats().mutable, 1, "reconciled once the task answered");
    assert.equal(t.shell.members()[0]?.taskId, taskId);
    assert.equal(t.shell.stats().launched_servers, 1, "no relaunch");
  } finally {
    await finish(t);
  }
});
