import assert from "node:assert/strict";
import { AGENT_INTERNAL } from "../internal_protocol.ts";
import {
  acceptOffer,
  commandTask,
  sendStatus,
  startFakeAgent,
  startTestMaster,
  subscribeFramework,
  TestScheduler,
} from "./testing/harness.ts";
import { until } from "../../until.ts";

async function frameworkState(masterUrl: string) {
  return JSON.parse(await (await fetch(`${masterUrl}/master/state`)).text());
}

Deno.test("failover_timeout removes a disconnected framework; re-subscribing gets 'Framework has been removed'", async () => {
  const { master, clock } = await startTestMaster();
  const agent = await startFakeAgent(master.url);
  const scheduler = await subscribeFramework(master.url, { failover_timeout: 10 });
  const id = scheduler.frameworkId;
  try {
    const offer = (await scheduler.expectEvent("OFFERS")).offers.offers[0];
    assert.equal(await acceptOffer(scheduler, master.url, offer, [commandTask(offer, "t1")]), 202);
    await scheduler.close();
    let state = await until(async () => {
      const s = await frameworkState(master.url);
      return s.frameworks[0]?.connected === false ? s : undefined;
    }, { timeoutMs: 5000, what: "the framework disconnected in /master/state", intervalMs: 10 });
    assert.equal(state.frameworks[0].active, false);
    assert.equal(state.frameworks[0].tasks.length, 1);
    clock.advance(9_999);
    assert.equal((await frameworkState(master.url)).frameworks.length, 1);
    clock.advance(1);
    state = await frameworkState(master.url);
    assert.equal(state.frameworks.length, 0);
    assert.equal(state.completed_frameworks[0].id, id);
    assert.equal(state.completed_frameworks[0].completed_tasks[0].state, "TASK_KILLED");
    await agent.server.waitForRequests(2);
    const shutdown = agent.requestsTo(AGENT_INTERNAL.shutdownFramework);
    assert.deepEqual(JSON.parse(new TextDecoder().decode(shutdown[0]!.body)), { framework_id: id });

    const again = await TestScheduler.subscribe(master.url, {
      framework_id: { value: id },
      type: "SUBSCRIBE",
      subscribe: { framework_info: { user: "u", name: "n", id: { value: id } } },
    });
    assert.equal(again.response.status, 200);
    const error = await again.nextEvent();
    assert.deepEqual(error, { type: "ERROR", error: { message: "Framework has been removed" } });
    assert.equal(await again.ended(), true);
    await again.close();
  } finally {
    await scheduler.close();
    await master.stop();
    await agent.close();
  }
});

Deno.test("a framework re-subscribing within failover_timeout keeps its tasks and gets queued updates", async () => {
  const { master, clock } = await startTestMaster();
  const agent = await startFakeAgent(master.url);
  const first = await subscribeFramework(master.url, { failover_timeout: 60 });
  const id = first.frameworkId;
  let second: TestScheduler | undefined;
  try {
    const offer = (await first.expectEvent("OFFERS")).offers.offers[0];
    await acceptOffer(first, master.url, offer, [commandTask(offer, "t1")]);
    assert.equal(master.cutSchedulerStream(id), true);
    assert.equal(await first.ended(), true);
    await sendStatus(agent, id, "t1", "TASK_RUNNING", { uuid: "OMglCeckR82Hz1eKtMrPFA==" });
    clock.advance(59_000);
    second = await TestScheduler.subscribe(master.url, {
      framework_id: { value: id },
      type: "SUBSCRIBE",
      subscribe: { framework_info: { user: "u", name: "n", id: { value: id } } },
    });
    assert.equal((await second.nextEvent()).subscribed.framework_id.value, id);
    assert.equal((await second.nextEvent()).type, "HEARTBEAT");
    const update = (await second.nextEvent()).update.status;
    assert.equal(update.state, "TASK_RUNNING");
    assert.equal(update.task_id.value, "t1");
    clock.advance(5_000); // past the original timeout: nothing is removed
    const state = await frameworkState(master.url);
    assert.equal(state.frameworks[0].tasks[0].state, "TASK_RUNNING");
    assert.equal(state.frameworks[0].connected, true);
  } finally {
    await first.close();
    await second?.close();
    await master.stop();
    await agent.close();
  }
});

Deno.test("TEARDOWN ends the stream without an event and shuts the framework down on its agents", async () => {
  const { master } = await startTestMaster();
  const agent = await startFakeAgent(master.url);
  const scheduler = await subscribeFramework(master.url);
  try {
    const offer = (await scheduler.expectEvent("OFFERS")).offers.offers[0];
    await acceptOffer(scheduler, master.url, offer, [commandTask(offer, "t1")]);
    assert.equal((await scheduler.call(master.url, { type: "TEARDOWN" })).status, 202);
    assert.equal(await scheduler.ended(), true);
    await agent.server.waitForRequests(2);
    assert.equal(agent.requestsTo(AGENT_INTERNAL.shutdownFramework).length, 1);
    const after = await scheduler.call(master.url, { type: "REVIVE" });
    assert.equal(after.status, 400);
    assert.equal(after.body, "Framework cannot be found");
  } finally {
    await scheduler.close();
    await master.stop();
    await agent.close();
  }
});
