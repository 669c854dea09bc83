import assert from "node:assert/strict";
import { postCall, startTestMaster, TestScheduler } from "./testing/harness.ts";

const SUBSCRIBE = {
  type: "SUBSCRIBE",
  subscribe: { framework_info: { user: "u", name: "n" } },
};

Deno.test("scheduler API: 401 with a Basic challenge when authentication is on", async () => {
  const { master } = await startTestMaster({
    options: { authentication: { credentials: [{ principal: "p", secret: "s" }] } },
  });
  try {
    const none = await postCall(master.url, SUBSCRIBE);
    assert.equal(none.status, 401);
    assert.equal(none.headers.get("WWW-Authenticate"), 'Basic realm="mesos-master-scheduler"');
    const wrong = await postCall(master.url, SUBSCRIBE, { Authorization: `Basic ${btoa("p:x")}` });
    assert.equal(wrong.status, 401);
    const mismatch = await postCall(master.url, SUBSCRIBE, {
      Authorization: `Basic ${btoa("p:s")}`,
    });
    assert.equal(mismatch.status, 400);
    assert.equal(
      mismatch.body,
      "Authenticated principal 'p' does not match principal '' set in `FrameworkInfo`",
    );
    const res = await fetch(`${master.url}/api/v1/scheduler`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Basic ${btoa("p:s")}` },
      body: JSON.stringify({
        type: "SUBSCRIBE",
        subscribe: { framework_info: { user: "u", name: "n", principal: "p" } },
      }),
    });
    assert.equal(res.status, 200);
    await res.body!.cancel();
  } finally {
    await master.stop();
  }
});

Deno.test("scheduler API: call validation answers 400 with Mesos' messages", async () => {
  const { master } = await startTestMaster();
  try {
    const cases: [unknown, string][] = [
      [
        { type: "SUBSCRIBE" },
        "Failed to validate scheduler::Call: Expecting 'subscribe' to be present",
      ],
      [{}, "Failed to validate scheduler::Call: Expecting 'type' to be present"],
      [
        { framework_id: { value: "a" }, ...SUBSCRIBE },
        "Failed to validate scheduler::Call: 'framework_id' differs from 'subscribe.framework_info.id'",
      ],
      [
        { type: "SUBSCRIBE", subscribe: { framework_info: { name: "n" } } },
        "Failed to convert JSON into Call protobuf: Not initialized: subscribe.framework_info.user",
      ],
      [
        { framework_id: { value: "a" }, type: "KILL" },
        "Failed to validate scheduler::Call: Expecting 'kill' to be present",
      ],
    ];
    for (const [call, message] of cases) {
      const res = await postCall(master.url, call as Record<string, unknown>);
      assert.equal(res.status, 400, JSON.stringify(call));
      assert.equal(res.body, message);
    }
    const pb = await fetch(`${master.url}/master/api/v1/scheduler`, {
      method: "POST",
      headers: { "Content-Type": "application/x-protobuf" },
      body: new Uint8Array([0x10, 0x01, 0x1a, 0xff]),
    });
    assert.equal(pb.status, 400);
    assert.equal(await pb.text(), "Failed to parse body into Call protobuf");
  } finally {
    await master.stop();
  }
});

Deno.test("scheduler API: 403 once the framework's stream is gone, 501 for UNKNOWN", async () => {
  const { master } = await startTestMaster();
  const scheduler = await TestScheduler.subscribe(master.url, {
    type: "SUBSCRIBE",
    subscribe: { framework_info: { user: "u", name: "n", failover_timeout: 600 } },
  });
  try {
    await scheduler.expectEvent("SUBSCRIBED");
    await scheduler.expectEvent("HEARTBEAT");
    const unknown = await scheduler.call(master.url, { type: "UNKNOWN" });
    assert.equal(unknown.status, 501);
    assert.equal(master.cutSchedulerStream(scheduler.frameworkId), true);
    assert.equal(await scheduler.ended(), true);
    const revive = await scheduler.call(master.url, { type: "REVIVE" });
    assert.equal(revive.status, 403);
    assert.equal(revive.body, "Framework is not subscribed");
  } finally {
    await scheduler.close();
    await master.stop();
  }
});

Deno.test("scheduler API: SUBSCRIBE without Accept streams JSON on the alias path", async () => {
  const { master } = await startTestMaster();
  try {
    const res = await fetch(`${master.url}/master/api/v1/scheduler`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(SUBSCRIBE),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("Content-Type"), "application/json");
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    assert.match(first, /^\d+\n\{"type":"SUBSCRIBED"/);
    await reader.cancel();
  } finally {
    await master.stop();
  }
});

Deno.test("scheduler API: invalid FrameworkInfo roles get 200 + ERROR then the end", async () => {
  const { master } = await startTestMaster();
  try {
    const scheduler = await TestScheduler.subscribe(master.url, {
      type: "SUBSCRIBE",
      subscribe: { framework_info: { user: "u", name: "n", roles: ["a"] } },
    });
    const event = await scheduler.nextEvent();
    assert.equal(event.type, "ERROR");
    assert.equal(
      event.error.message,
      "'FrameworkInfo.roles' must not be set when the framework is not MULTI_ROLE capable",
    );
    assert.equal(await scheduler.ended(), true);
    await scheduler.close();
  } finally {
    await master.stop();
  }
});
