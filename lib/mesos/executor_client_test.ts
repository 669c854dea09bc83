import assert from "node:assert/strict";
import {
  createExecutorClient,
  type ExecutorClient,
  type ExecutorNotice,
} from "./executor_client.ts";
import type { ExecutorCall } from "./executor_calls.ts";
import { decodeMessage, encodeMessage } from "./encoding.ts";
import { encodeRecord } from "./recordio.ts";
import { AgentLostError, MesosApiError } from "./client_errors.ts";
import {
  capturedHeaders,
  type RecordedRequest,
  type ScriptedServer,
  type ScriptedStream,
  splitRecordIO,
  startScriptedServer,
} from "./testing/scripted_server.ts";
import { transcriptBytes, transcriptText } from "../../tests/fixtures/transcripts.ts";
import { sameBytes } from "./uuid.ts";
import { nextMatching } from "./testing/notices.ts";

const FW = "c5151bcb-5f7a-468c-bf39-1032dc9772f5-0000";

async function envFor(server: ScriptedServer, extra: Record<string, string> = {}) {
  const env: Record<string, string> = {};
  for (const line of (await transcriptText("executor-env.txt")).split("\n")) {
    const i = line.indexOf("=");
    if (i > 0) env[line.slice(0, i)] = line.slice(i + 1);
  }
  return { ...env, MESOS_AGENT_ENDPOINT: `127.0.0.1:${server.port}`, ...extra };
}

const isEvent = (type: string) => (n: ExecutorNotice) =>
  n.type === "event" && n.event.type === type;

const call = (req: RecordedRequest) =>
  decodeMessage<ExecutorCall>("mesos.v1.executor.Call", req.body, "json");

/** A fake agent: each SUBSCRIBE gets a stream opening with `first` records; calls get 202. */
async function fakeAgent(first: Uint8Array[], answer = () => new Response(null, { status: 202 })) {
  const headers = capturedHeaders(await transcriptText("executor-subscribe.headers.txt"));
  const streams: ScriptedStream[] = [];
  const server = await startScriptedServer((req, _i, s) => {
    if (call(req).type !== "SUBSCRIBE") return answer();
    const stream = s.stream(200, headers);
    streams.push(stream);
    for (const r of first) stream.push(r);
    return stream.response;
  });
  return {
    server,
    streams,
    subscribes: () => server.requests.filter((r) => call(r).type === "SUBSCRIBE"),
  };
}

async function capturedRecords() {
  return splitRecordIO(await transcriptBytes("executor-stream.recordio"));
}

function ackRecord(taskId: string, uuid: Uint8Array): Uint8Array {
  const event = { type: "ACKNOWLEDGED", acknowledged: { task_id: { value: taskId }, uuid } };
  return encodeRecord(encodeMessage("mesos.v1.executor.Event", event, "json"));
}

async function stop(client: ExecutorClient, server: ScriptedServer) {
  await client.close();
  await server.close();
}

Deno.test("executor client replays the captured agent stream and subscribes with subscribe:{}", async () => {
  const agent = await fakeAgent(await capturedRecords());
  const client = createExecutorClient({ env: await envFor(agent.server), encoding: "json" });
  try {
    const it = client[Symbol.asyncIterator]();
    const connected = await nextMatching(it, (n) => n.type === "connected");
    assert.ok(connected.type === "connected");
    assert.equal(connected.subscribed.executor_info.executor_id.value, "e1");
    assert.equal(connected.subscribed.framework_info.id!.value, FW);
    const types: string[] = [];
    for (let i = 0; i < 6; i++) {
      const n = await it.next();
      assert.ok(!n.done && n.value.type === "event");
      types.push(n.value.event.type);
      if (n.value.event.type === "LAUNCH") {
        const task = n.value.event.launch!.task;
        assert.equal(new TextDecoder().decode(task.data), '{"hello":"world"}');
      }
    }
    assert.deepEqual(types, [
      "LAUNCH",
      "ACKNOWLEDGED",
      "ACKNOWLEDGED",
      "MESSAGE",
      "KILL",
      "ACKNOWLEDGED",
    ]);
    const sub = agent.server.requests[0]!;
    assert.equal(sub.path, "/api/v1/executor");
    assert.equal(sub.headers.get("content-type"), "application/json");
    assert.equal(sub.headers.get("accept"), "application/json");
    assert.equal(sub.headers.get("authorization"), null);
    assert.equal(
      new TextDecoder().decode(sub.body),
      `{"executor_id":{"value":"e1"},"framework_id":{"value":"${FW}"},"type":"SUBSCRIBE","subscribe":{}}`,
    );
    // Acknowledged for t1 arrived: the launched task no longer counts as unacknowledged.
    assert.deepEqual(client.unacknowledgedTasks, []);
  } finally {
    await stop(client, agent.server);
  }
});

Deno.test("executor client update() stamps the status and keeps it until ACKNOWLEDGED", async () => {
  const [subscribed] = await capturedRecords();
  const agent = await fakeAgent([subscribed!]);
  const client = createExecutorClient({
    env: await envFor(agent.server, { MESOS_EXECUTOR_AUTHENTICATION_TOKEN: "jwt" }),
    encoding: "json",
  });
  try {
    const it = client[Symbol.asyncIterator]();
    await nextMatching(it, (n) => n.type === "connected");
    const before = Date.now() / 1000;
    const uuid = await client.update({ task_id: { value: "t1" }, state: "TASK_RUNNING" });
    const sent = call(agent.server.requests[1]!);
    assert.equal(sent.type, "UPDATE");
    const status = sent.update!.status;
    assert.equal(status.source, "SOURCE_EXECUTOR");
    assert.deepEqual(status.executor_id, { value: "e1" });
    assert.ok(sameBytes(status.uuid, uuid));
    assert.equal(uuid.length, 16);
    assert.equal(uuid[6]! >> 4, 4, "version 4");
    assert.ok(status.timestamp! >= before - 1 && status.timestamp! <= Date.now() / 1000 + 1);
    for (const r of agent.server.requests) {
      assert.equal(r.headers.get("authorization"), "Bearer jwt");
    }
    assert.equal(client.unacknowledgedUpdates.length, 1);
    agent.streams[0]!.push(ackRecord("t1", uuid));
    await nextMatching(it, isEvent("ACKNOWLEDGED"));
    assert.deepEqual(client.unacknowledgedUpdates, []);
  } finally {
    await stop(client, agent.server);
  }
});

Deno.test("executor client resends unacknowledged updates and tasks on re-subscribe until ACKNOWLEDGED", async () => {
  const [subscribed, launch] = await capturedRecords();
  const agent = await fakeAgent([subscribed!]);
  const client = createExecutorClient({
    env: await envFor(agent.server, {
      MESOS_CHECKPOINT: "1",
      MESOS_SUBSCRIPTION_BACKOFF_MAX: "5ms",
    }),
    encoding: "json",
  });
  try {
    const it = client[Symbol.asyncIterator]();
    await nextMatching(it, (n) => n.type === "connected");
    agent.streams[0]!.push(launch!);
    await nextMatching(it, isEvent("LAUNCH"));
    const running = await client.update({ task_id: { value: "t1" }, state: "TASK_RUNNING" });
    agent.streams[0]!.end(); // the agent restarts
    const lost = await nextMatching(it, (n) => n.type === "disconnected");
    assert.ok(lost.type === "disconnected" && lost.willRetry);
    assert.match(lost.reason, /agent ended the stream/);
    // While disconnected an update is only queued.
    const finished = await client.update({ task_id: { value: "t1" }, state: "TASK_FINISHED" });
    assert.equal(agent.server.requests.filter((r) => call(r).type === "UPDATE").length, 1);
    await nextMatching(it, (n) => n.type === "connected");

    const again = call(agent.subscribes()[1]!).subscribe!;
    assert.deepEqual(again.unacknowledged_tasks!.map((t) => t.task_id.value), ["t1"]);
    const resent = again.unacknowledged_updates!.map((u) => u.status);
    assert.deepEqual(resent.map((s) => s.state), ["TASK_RUNNING", "TASK_FINISHED"]);
    assert.ok(sameBytes(resent[0]!.uuid, running));
    assert.ok(sameBytes(resent[1]!.uuid, finished));

    agent.streams[1]!.push(ackRecord("t1", running));
    await nextMatching(it, isEvent("ACKNOWLEDGED"));
    agent.streams[1]!.end();
    await nextMatching(it, (n) => n.type === "connected");
    const third = call(agent.subscribes()[2]!).subscribe!;
    assert.equal(third.unacknowledged_tasks, undefined, "t1 had an update acknowledged");
    assert.deepEqual(third.unacknowledged_updates!.map((u) => u.status.state), ["TASK_FINISHED"]);

    agent.streams[2]!.push(ackRecord("t1", finished));
    await nextMatching(it, isEvent("ACKNOWLEDGED"));
    agent.streams[2]!.end();
    await nextMatching(it, (n) => n.type === "connected");
    assert.deepEqual(call(agent.subscribes()[3]!).subscribe, {});
  } finally {
    await stop(client, agent.server);
  }
});

Deno.test("executor client without checkpointing reports the disconnection at once and stops", async () => {
  const [subscribed] = await capturedRecords();
  const agent = await fakeAgent([subscribed!]);
  const client = createExecutorClient({
    env: await envFor(agent.server, { MESOS_CHECKPOINT: "0" }),
    encoding: "json",
  });
  try {
    const seen: ExecutorNotice[] = [];
    const it = client[Symbol.asyncIterator]();
    await nextMatching(it, (n) => n.type === "connected");
    agent.streams[0]!.end();
    await assert.rejects(async () => {
      for (let n = await it.next(); !n.done; n = await it.next()) seen.push(n.value);
    }, AgentLostError);
    assert.deepEqual(seen, [{
      type: "disconnected",
      reason: "the agent ended the stream",
      willRetry: false,
    }]);
    await assert.rejects(client.done, AgentLostError);
    assert.equal(agent.subscribes().length, 1);
    await assert.rejects(client.update({ task_id: { value: "t" }, state: "TASK_FAILED" }), {
      name: "ClientClosedError",
    });
  } finally {
    await stop(client, agent.server);
  }
});

Deno.test("executor client with checkpointing gives up after MESOS_RECOVERY_TIMEOUT", async () => {
  const [subscribed] = await capturedRecords();
  const headers = capturedHeaders(await transcriptText("executor-subscribe.headers.txt"));
  // The first SUBSCRIBE gets a stream that ends at once; the restarted agent never recovers.
  const server = await startScriptedServer((_req, i, s) => {
    if (i > 0) return new Response("Agent has not finished recovery", { status: 503 });
    const stream = s.stream(200, headers);
    stream.push(subscribed!);
    stream.end();
    return stream.response;
  });
  const client = createExecutorClient({
    env: await envFor(server, {
      MESOS_CHECKPOINT: "1",
      MESOS_RECOVERY_TIMEOUT: "150ms",
      MESOS_SUBSCRIPTION_BACKOFF_MAX: "10ms",
    }),
    encoding: "json",
  });
  try {
    const it = client[Symbol.asyncIterator]();
    await nextMatching(it, (n) => n.type === "connected");
    const lost = await nextMatching(it, (n) => n.type === "disconnected");
    assert.ok(lost.type === "disconnected" && lost.willRetry);
    const err = await client.done.catch((e) => e);
    assert.ok(err instanceof AgentLostError);
    assert.match(err.message, /not re-subscribed within 150 ms/);
    assert.match(err.message, /503/);
    assert.ok(server.requests.length > 2, `retried: ${server.requests.length} requests`);
  } finally {
    await stop(client, server);
  }
});

Deno.test("executor client update() drops an update the agent rejects with 4xx", async () => {
  const [subscribed] = await capturedRecords();
  const agent = await fakeAgent(
    [subscribed!],
    () =>
      new Response("Received status update from executor with source SOURCE_AGENT", {
        status: 400,
      }),
  );
  const client = createExecutorClient({ env: await envFor(agent.server), encoding: "json" });
  try {
    const it = client[Symbol.asyncIterator]();
    await nextMatching(it, (n) => n.type === "connected");
    const err = await client.update({ task_id: { value: "t1" }, state: "TASK_RUNNING" }).catch((
      e,
    ) => e);
    assert.ok(err instanceof MesosApiError);
    assert.equal(err.status, 400);
    assert.deepEqual(client.unacknowledgedUpdates, []);
    await assert.rejects(client.message("hi"), MesosApiError);
  } finally {
    await stop(client, agent.server);
  }
});

Deno.test("createExecutorClient() throws naming the missing variables", () => {
  assert.throws(() => createExecutorClient({ env: {} }), {
    name: "TypeError",
    message: /MESOS_FRAMEWORK_ID, MESOS_EXECUTOR_ID, MESOS_AGENT_ENDPOINT/,
  });
});
