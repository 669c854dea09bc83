import assert from "node:assert/strict";
import {
  acceptOffer,
  commandTask,
  startFakeAgent,
  startTestMaster,
  subscribeFramework,
} from "./testing/harness.ts";

Deno.test("DECLINE filters the agent for refuse_seconds, then it is offered again", async () => {
  const { master, clock } = await startTestMaster();
  const agent = await startFakeAgent(master.url);
  const scheduler = await subscribeFramework(master.url);
  try {
    const offer = (await scheduler.expectEvent("OFFERS")).offers.offers[0];
    assert.equal(offer.agent_id.value, agent.agentId);
    const res = await scheduler.call(master.url, {
      type: "DECLINE",
      decline: { offer_ids: [offer.id], filters: { refuse_seconds: 10 } },
    });
    assert.equal(res.status, 202);
    assert.equal(await scheduler.quiet(150), true);
    clock.advance(9_999);
    assert.equal(await scheduler.quiet(100), true);
    clock.advance(1);
    const again = (await scheduler.expectEvent("OFFERS")).offers.offers[0];
    assert.equal(again.agent_id.value, agent.agentId);
    assert.notEqual(again.id.value, offer.id.value);
    // Without filters the default is 5 seconds.
    await scheduler.call(master.url, { type: "DECLINE", decline: { offer_ids: [again.id] } });
    clock.advance(4_999);
    assert.equal(await scheduler.quiet(100), true);
    clock.advance(1);
    await scheduler.expectEvent("OFFERS");
  } finally {
    await scheduler.close();
    await master.stop();
    await agent.close();
  }
});

Deno.test("SUPPRESS stops offers, REVIVE resumes them and clears filters", async () => {
  const { master, clock } = await startTestMaster();
  const agent = await startFakeAgent(master.url);
  const scheduler = await subscribeFramework(master.url);
  try {
    const offer = (await scheduler.expectEvent("OFFERS")).offers.offers[0];
    assert.equal(
      (await scheduler.call(master.url, { type: "SUPPRESS", suppress: {} })).status,
      202,
    );
    await scheduler.call(master.url, {
      type: "DECLINE",
      decline: { offer_ids: [offer.id], filters: { refuse_seconds: 1 } },
    });
    clock.advance(60_000);
    assert.equal(await scheduler.quiet(150), true);
    assert.equal((await scheduler.call(master.url, { type: "REVIVE" })).status, 202);
    const revived = (await scheduler.expectEvent("OFFERS")).offers.offers[0];
    await scheduler.call(master.url, {
      type: "DECLINE",
      decline: { offer_ids: [revived.id], filters: { refuse_seconds: 3600 } },
    });
    assert.equal(await scheduler.quiet(100), true);
    await scheduler.call(master.url, { type: "REVIVE", revive: {} });
    await scheduler.expectEvent("OFFERS");
  } finally {
    await scheduler.close();
    await master.stop();
    await agent.close();
  }
});

Deno.test("ACCEPT of an unknown offer makes the tasks TASK_LOST (TASK_DROPPED if partition-aware)", async () => {
  const { master } = await startTestMaster();
  const agent = await startFakeAgent(master.url);
  const plain = await subscribeFramework(master.url);
  const aware = await subscribeFramework(master.url, {
    capabilities: [{ type: "PARTITION_AWARE" }],
  });
  try {
    const offer = (await plain.expectEvent("OFFERS")).offers.offers[0];
    const bogus = { ...offer, id: { value: "no-such-offer" } };
    assert.equal(await acceptOffer(plain, master.url, bogus, [commandTask(offer, "t1")]), 202);
    const lost = (await plain.expectEvent("UPDATE")).update.status;
    assert.equal(lost.state, "TASK_LOST");
    assert.equal(lost.reason, "REASON_INVALID_OFFERS");
    assert.equal(lost.source, "SOURCE_MASTER");
    assert.equal(lost.uuid, undefined);
    // The framework's own offer is not usable by another framework either.
    assert.equal(await acceptOffer(aware, master.url, offer, [commandTask(offer, "t2")]), 202);
    const dropped = (await aware.expectEvent("UPDATE")).update.status;
    assert.equal(dropped.state, "TASK_DROPPED");
    assert.equal(dropped.reason, "REASON_INVALID_OFFERS");
    assert.equal(agent.requestsTo("/_local/master/run_task").length, 0);
  } finally {
    await plain.close();
    await aware.close();
    await master.stop();
    await agent.close();
  }
});

Deno.test("ACCEPT rejects invalid task ids and oversized tasks with TASK_ERROR", async () => {
  const { master } = await startTestMaster();
  const agent = await startFakeAgent(master.url);
  const scheduler = await subscribeFramework(master.url);
  try {
    const offer = (await scheduler.expectEvent("OFFERS")).offers.offers[0];
    const tasks = [
      commandTask(offer, "a/b"),
      commandTask(offer, ".."),
      commandTask(offer, "big", 64),
      commandTask(offer, "ok"),
    ];
    assert.equal(await acceptOffer(scheduler, master.url, offer, tasks), 202);
    const errors = [];
    for (let i = 0; i < 3; i++) errors.push((await scheduler.expectEvent("UPDATE")).update.status);
    assert.deepEqual(errors.map((s) => [s.task_id.value, s.state, s.reason]), [
      ["a/b", "TASK_ERROR", "REASON_TASK_INVALID"],
      ["..", "TASK_ERROR", "REASON_TASK_INVALID"],
      ["big", "TASK_ERROR", "REASON_TASK_INVALID"],
    ]);
    assert.equal(errors[0].message, "Task ID is invalid: '/' is not allowed");
    assert.match(
      errors[2].message,
      /^Total resources cpus\(allocated: \*\):64; mem\(allocated: \*\):32 required by task and its executor is more than available .*cpus\(allocated: \*\):2;/,
    );
    await agent.server.waitForRequests(1);
    const run = agent.requestsTo("/_local/master/run_task");
    assert.equal(run.length, 1);
    assert.equal(JSON.parse(new TextDecoder().decode(run[0]!.body)).task.task_id.value, "ok");
  } finally {
    await scheduler.close();
    await master.stop();
    await agent.close();
  }
});

Deno.test("offers are rescinded by the fault hook and by the offer timeout", async () => {
  const { master, clock } = await startTestMaster({ options: { offerTimeoutMs: 30_000 } });
  const agent = await startFakeAgent(master.url);
  const scheduler = await subscribeFramework(master.url);
  try {
    const first = (await scheduler.expectEvent("OFFERS")).offers.offers[0];
    assert.equal(master.rescindOffers(), 1);
    const rescind = await scheduler.expectEvent("RESCIND");
    assert.deepEqual(rescind.rescind.offer_id, first.id);
    const second = (await scheduler.expectEvent("OFFERS")).offers.offers[0];
    clock.advance(30_000);
    let event = await scheduler.nextEvent();
    while (event.type === "HEARTBEAT") event = await scheduler.nextEvent();
    assert.equal(event.type, "RESCIND");
    assert.deepEqual(event.rescind.offer_id, second.id);
  } finally {
    await scheduler.close();
    await master.stop();
    await agent.close();
  }
});

Deno.test("offers of several agents arrive in one OFFERS event; MULTI_ROLE gets allocation_info", async () => {
  const { master } = await startTestMaster();
  const a1 = await startFakeAgent(master.url, {
    attributes: [{ name: "rack", type: "TEXT", text: { value: "r1" } }],
  });
  const a2 = await startFakeAgent(master.url);
  const scheduler = await subscribeFramework(master.url, {
    roles: ["etcd"],
    capabilities: [{ type: "MULTI_ROLE" }],
  });
  try {
    const offers = (await scheduler.expectEvent("OFFERS")).offers.offers;
    assert.deepEqual(
      offers.map((o: { agent_id: { value: string } }) => o.agent_id.value).sort(),
      [
        a1.agentId,
        a2.agentId,
      ].sort(),
    );
    const o1 = offers.find((o: { agent_id: { value: string } }) => o.agent_id.value === a1.agentId);
    assert.deepEqual(o1.allocation_info, { role: "etcd" });
    assert.deepEqual(o1.resources[0].allocation_info, { role: "etcd" });
    assert.equal(o1.resources[0].role, "*");
    assert.deepEqual(o1.attributes, [{ name: "rack", type: "TEXT", text: { value: "r1" } }]);
  } finally {
    await scheduler.close();
    await master.stop();
    await a1.close();
    await a2.close();
  }
});
