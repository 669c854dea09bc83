import assert from "node:assert/strict";
import { AGENT_INTERNAL, MASTER_INTERNAL } from "../internal_protocol.ts";
import {
  acceptOffer,
  commandTask,
  type FakeAgent,
  sendStatus,
  startFakeAgent,
  startTestMaster,
  subscribeFramework,
  type TestScheduler,
} from "./testing/harness.ts";

const TEXT = new TextDecoder();

function bodies(agent: FakeAgent, path: string) {
  return agent.requestsTo(path).map((r) => JSON.parse(TEXT.decode(r.body)));
}

/** A master, one agent and a framework running task t1 (TASK_RUNNING). */
async function runningTask(frameworkInfo = {}, options = {}) {
  const { master, clock } = await startTestMaster({ options });
  const agent = await startFakeAgent(master.url);
  const scheduler = await subscribeFramework(master.url, frameworkInfo);
  const offer = (await scheduler.expectEvent("OFFERS")).offers.offers[0];
  await acceptOffer(scheduler, master.url, offer, [commandTask(offer, "t1")]);
  await sendStatus(agent, scheduler.frameworkId, "t1", "TASK_RUNNING");
  await scheduler.expectEvent("UPDATE");
  const stop = async () => {
    await scheduler.close();
    await master.stop();
    await agent.close();
  };
  return { master, clock, agent, scheduler, stop };
}

Deno.test("pings: 404 for an unknown agent, 200 for a registered one", async () => {
  const { master } = await startTestMaster();
  const agent = await startFakeAgent(master.url);
  try {
    assert.equal((await agent.send(MASTER_INTERNAL.ping, { agent_id: agent.agentId })).status, 200);
    assert.equal((await agent.send(MASTER_INTERNAL.ping, { agent_id: "nope" })).status, 404);
    assert.match(agent.agentId, new RegExp(`^${master.id}-S0$`));
  } finally {
    await master.stop();
    await agent.close();
  }
});

Deno.test("an agent that stops pinging loses its offers, then its tasks go TASK_LOST with FAILURE", async () => {
  const { master, clock } = await startTestMaster({
    options: { agentPingTimeoutMs: 1000, agentReregisterTimeoutMs: 5000 },
  });
  const agent = await startFakeAgent(master.url);
  const scheduler = await subscribeFramework(master.url);
  try {
    const offer = (await scheduler.expectEvent("OFFERS")).offers.offers[0];
    await acceptOffer(scheduler, master.url, offer, [commandTask(offer, "t1", 1, 1024)], {
      refuse_seconds: 0,
    });
    const rest = (await scheduler.expectEvent("OFFERS")).offers.offers[0];
    clock.advance(1000);
    assert.deepEqual((await scheduler.expectEvent("RESCIND")).rescind.offer_id, rest.id);
    assert.equal((await agent.send(MASTER_INTERNAL.ping, { agent_id: agent.agentId })).status, 404);
    clock.advance(5000);
    const lost = (await scheduler.expectEvent("UPDATE")).update.status;
    assert.equal(lost.state, "TASK_LOST");
    assert.equal(lost.reason, "REASON_AGENT_REMOVED");
    assert.equal(lost.source, "SOURCE_MASTER");
    assert.equal(lost.agent_id.value, agent.agentId);
    const failure = await scheduler.expectEvent("FAILURE");
    assert.deepEqual(failure.failure, { agent_id: { value: agent.agentId } });
    await scheduler.call(master.url, {
      type: "RECONCILE",
      reconcile: { tasks: [{ task_id: { value: "t1" }, agent_id: { value: agent.agentId } }] },
    });
    const answer = (await scheduler.expectEvent("UPDATE")).update.status;
    assert.equal(answer.state, "TASK_LOST");
    assert.equal(answer.message, "Reconciliation: Task is unreachable");
  } finally {
    await scheduler.close();
    await master.stop();
    await agent.close();
  }
});

Deno.test("partition-aware frameworks see TASK_UNREACHABLE when an agent is removed", async () => {
  const t = await runningTask({ capabilities: [{ type: "PARTITION_AWARE" }] }, {
    agentPingTimeoutMs: 1000,
    agentReregisterTimeoutMs: 1000,
  });
  try {
    t.clock.advance(2000);
    const status = (await t.scheduler.expectEvent("UPDATE")).update.status;
    assert.equal(status.state, "TASK_UNREACHABLE");
    assert.equal(status.reason, "REASON_AGENT_REMOVED");
    assert.ok(status.unreachable_time.nanoseconds > 0);
  } finally {
    await t.stop();
  }
});

Deno.test("KILL, SHUTDOWN, MESSAGE and ACKNOWLEDGE are relayed to the agent", async () => {
  const t = await runningTask();
  const { master, agent, scheduler } = t;
  try {
    const agentId = { value: agent.agentId };
    await scheduler.call(master.url, {
      type: "KILL",
      kill: { task_id: { value: "t1" }, kill_policy: { grace_period: { nanoseconds: 2e9 } } },
    });
    await scheduler.call(master.url, {
      type: "SHUTDOWN",
      shutdown: { executor_id: { value: "e1" }, agent_id: agentId },
    });
    await scheduler.call(master.url, {
      type: "MESSAGE",
      message: { agent_id: agentId, executor_id: { value: "e1" }, data: btoa("ping") },
    });
    const ack = await scheduler.call(master.url, {
      type: "ACKNOWLEDGE",
      acknowledge: {
        agent_id: agentId,
        task_id: { value: "t1" },
        uuid: "Tj3aD3ReQO2ZHh8Um6JuZg==",
      },
    });
    assert.equal(ack.status, 202);
    await agent.server.waitForRequests(5);
    const fw = scheduler.frameworkId;
    assert.deepEqual(bodies(agent, AGENT_INTERNAL.killTask), [
      { framework_id: fw, task_id: "t1", kill_policy: { grace_period: { nanoseconds: 2e9 } } },
    ]);
    assert.deepEqual(bodies(agent, AGENT_INTERNAL.shutdownExecutor), [
      { framework_id: fw, executor_id: "e1" },
    ]);
    assert.deepEqual(bodies(agent, AGENT_INTERNAL.frameworkMessage), [
      { framework_id: fw, executor_id: "e1", data: btoa("ping") },
    ]);
    assert.deepEqual(bodies(agent, AGENT_INTERNAL.acknowledge), [
      { framework_id: fw, task_id: "t1", uuid: "Tj3aD3ReQO2ZHh8Um6JuZg==" },
    ]);
  } finally {
    await t.stop();
  }
});

Deno.test("KILL of an unknown task is answered by reconciliation (TASK_LOST)", async () => {
  const t = await runningTask();
  try {
    await t.scheduler.call(t.master.url, { type: "KILL", kill: { task_id: { value: "ghost" } } });
    const status = (await t.scheduler.expectEvent("UPDATE")).update.status;
    assert.deepEqual([status.task_id.value, status.state, status.reason, status.message], [
      "ghost",
      "TASK_LOST",
      "REASON_RECONCILIATION",
      "Reconciliation: Task is unknown",
    ]);
    assert.equal(t.agent.requestsTo(AGENT_INTERNAL.killTask).length, 0);
  } finally {
    await t.stop();
  }
});

Deno.test("executor exit becomes FAILURE and executor messages become MESSAGE", async () => {
  const t = await runningTask();
  const { agent, scheduler } = t;
  try {
    const fw = scheduler.frameworkId;
    await agent.send(MASTER_INTERNAL.executorMessage, {
      agent_id: agent.agentId,
      framework_id: fw,
      executor_id: "t1",
      data: btoa("hello"),
    });
    const msg = (await scheduler.expectEvent("MESSAGE")).message;
    assert.equal(TEXT.decode(msg.data), "hello");
    assert.equal(msg.executor_id.value, "t1");
    await agent.send(MASTER_INTERNAL.executorExited, {
      agent_id: agent.agentId,
      framework_id: fw,
      executor_id: "t1",
      status: 0,
    });
    const failure = (await scheduler.expectEvent("FAILURE")).failure;
    assert.deepEqual(failure, {
      agent_id: { value: agent.agentId },
      executor_id: { value: "t1" },
      status: 0,
    });
  } finally {
    await t.stop();
  }
});

Deno.test("fault hooks drop, duplicate and delay status updates", async () => {
  const t = await runningTask();
  const { master, clock, agent, scheduler } = t;
  const fw = scheduler.frameworkId;
  try {
    master.dropNextStatusUpdates(1);
    await sendStatus(agent, fw, "t1", "TASK_RUNNING", { healthy: true });
    assert.equal(await scheduler.quiet(100), true);
    master.duplicateStatusUpdates(true);
    await sendStatus(agent, fw, "t1", "TASK_RUNNING", { healthy: false });
    assert.equal((await scheduler.expectEvent("UPDATE")).update.status.healthy, false);
    assert.equal((await scheduler.expectEvent("UPDATE")).update.status.healthy, false);
    master.duplicateStatusUpdates(false);
    master.delayStatusUpdatesMs(3000);
    await sendStatus(agent, fw, "t1", "TASK_KILLED");
    await scheduler.expectEvent("OFFERS"); // t1's resources are free; its update is held back
    assert.equal(await scheduler.quiet(100), true);
    clock.advance(3000);
    assert.equal((await scheduler.expectEvent("UPDATE")).update.status.state, "TASK_KILLED");
  } finally {
    await t.stop();
  }
});

Deno.test("a fresh master learns tasks and frameworks from a re-registering agent", async () => {
  const { master } = await startTestMaster();
  const fwId = "old-master-0000";
  const agent = await startFakeAgent(master.url, {
    agentId: "old-master-S3",
    frameworks: [{ user: "u", name: "n", id: { value: fwId } }],
    tasks: [{
      name: "t1",
      task_id: { value: "t1" },
      framework_id: { value: fwId },
      agent_id: { value: "old-master-S3" },
      state: "TASK_RUNNING",
      resources: [{ name: "cpus", type: "SCALAR", scalar: { value: 1 } }],
      statuses: [{ task_id: { value: "t1" }, state: "TASK_RUNNING", timestamp: 1.5 }],
    }],
  });
  let scheduler: TestScheduler | undefined;
  try {
    assert.equal(agent.agentId, "old-master-S3");
    scheduler = await subscribeFramework(master.url, { id: { value: fwId } });
    assert.equal(scheduler.frameworkId, fwId);
    const offer = (await scheduler.expectEvent("OFFERS")).offers.offers[0];
    const cpus = offer.resources.find((r: { name: string }) => r.name === "cpus");
    assert.equal(cpus.scalar.value, 1); // 2 cpus minus the running task's 1
    await scheduler.call(master.url, { type: "RECONCILE", reconcile: { tasks: [] } });
    const status = (await scheduler.expectEvent("UPDATE")).update.status;
    assert.deepEqual([status.task_id.value, status.state, status.agent_id.value], [
      "t1",
      "TASK_RUNNING",
      "old-master-S3",
    ]);
  } finally {
    await scheduler?.close();
    await master.stop();
    await agent.close();
  }
});
