import assert from "node:assert/strict";
import { decodeMessage, encodeMessage } from "../../mesos/encoding.ts";
import { RecordIODecoder } from "../../mesos/recordio.ts";
import {
  acceptOffer,
  commandTask,
  sendStatus,
  startFakeAgent,
  startTestMaster,
  subscribeFramework,
} from "./testing/harness.ts";

Deno.test("operator API answers GET_TASKS in JSON and GET_STATE in protobuf", async () => {
  const { master } = await startTestMaster();
  const agent = await startFakeAgent(master.url);
  const scheduler = await subscribeFramework(master.url, { name: "etcd" });
  try {
    const offer = (await scheduler.expectEvent("OFFERS")).offers.offers[0];
    await acceptOffer(scheduler, master.url, offer, [commandTask(offer, "t1")]);
    await sendStatus(agent, scheduler.frameworkId, "t1", "TASK_RUNNING");

    const json = await fetch(`${master.url}/api/v1`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: '{"type":"GET_TASKS"}',
    });
    assert.equal(json.headers.get("Content-Type"), "application/json");
    const tasks = JSON.parse(await json.text());
    assert.equal(tasks.type, "GET_TASKS");
    assert.equal(tasks.get_tasks.tasks[0].task_id.value, "t1");
    assert.equal(tasks.get_tasks.tasks[0].state, "TASK_RUNNING");

    const pb = await fetch(`${master.url}/api/v1`, {
      method: "POST",
      headers: { "Content-Type": "application/x-protobuf", Accept: "application/x-protobuf" },
      body: encodeMessage("mesos.v1.master.Call", { type: "GET_STATE" }, "protobuf") as BodyInit,
    });
    assert.equal(pb.headers.get("Content-Type"), "application/x-protobuf");
    const state = decodeMessage(
      "mesos.v1.master.Response",
      new Uint8Array(await pb.arrayBuffer()),
      "protobuf",
    );
    assert.equal(state.type, "GET_STATE");
    assert.equal(state.get_state.get_frameworks.frameworks[0].framework_info.name, "etcd");
    assert.equal(state.get_state.get_agents.agents[0].agent_info.id.value, agent.agentId);
    assert.equal(state.get_state.get_tasks.tasks.length, 1);

    const bad = await fetch(`${master.url}/api/v1`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{}",
    });
    assert.equal(bad.status, 400);
    assert.equal(
      await bad.text(),
      "Failed to validate master::Call: Expecting 'type' to be present",
    );
  } finally {
    await scheduler.close();
    await master.stop();
    await agent.close();
  }
});

Deno.test("operator SUBSCRIBE streams SUBSCRIBED, HEARTBEAT, TASK_ADDED and TASK_UPDATED", async () => {
  const { master } = await startTestMaster();
  const agent = await startFakeAgent(master.url);
  const scheduler = await subscribeFramework(master.url);
  const res = await fetch(`${master.url}/api/v1`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: '{"type":"SUBSCRIBE"}',
  });
  const reader = res.body!.getReader();
  const decoder = new RecordIODecoder();
  const pending: Uint8Array[] = [];
  const next = async () => {
    while (pending.length === 0) {
      const { value, done } = await reader.read();
      if (done) throw new Error("operator stream ended");
      pending.push(...decoder.decode(value));
    }
    return decodeMessage("mesos.v1.master.Event", pending.shift()!, "json");
  };
  try {
    assert.equal(res.status, 200);
    const subscribed = await next();
    assert.equal(subscribed.type, "SUBSCRIBED");
    assert.equal(subscribed.subscribed.heartbeat_interval_seconds, 15);
    assert.equal(subscribed.subscribed.get_state.get_agents.agents.length, 1);
    assert.equal((await next()).type, "HEARTBEAT");
    const offer = (await scheduler.expectEvent("OFFERS")).offers.offers[0];
    await acceptOffer(scheduler, master.url, offer, [commandTask(offer, "t1")]);
    const added = await next();
    assert.equal(added.type, "TASK_ADDED");
    assert.equal(added.task_added.task.state, "TASK_STAGING");
    await sendStatus(agent, scheduler.frameworkId, "t1", "TASK_RUNNING");
    const updated = await next();
    assert.equal(updated.type, "TASK_UPDATED");
    assert.equal(updated.task_updated.state, "TASK_RUNNING");
    assert.equal(updated.task_updated.framework_id.value, scheduler.frameworkId);
  } finally {
    await reader.cancel();
    await scheduler.close();
    await master.stop();
    await agent.close();
  }
});
