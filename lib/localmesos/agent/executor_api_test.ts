import assert from "node:assert/strict";
import { transcriptBytes, transcriptText } from "../../../tests/fixtures/transcripts.ts";
import { decodeMessage, encodeMessage } from "../../mesos/encoding.ts";
import type { Plain } from "../../mesos/plain.ts";
import { RecordIODecoder } from "../../mesos/recordio.ts";
import type { LocalAgent } from "./agent.ts";
import { customTask, transcriptFramework, waitFor } from "./testing/fake_master.ts";
import { type AgentTest, withLocalAgent } from "./testing/with_agent.ts";

const FW = "c5151bcb-5f7a-468c-bf39-1032dc9772f5-0000";

interface Captured {
  title: string;
  headers: Record<string, string>;
  body: string;
  status: number;
  responseType: string | null;
  responseBody: string;
}

/** Parses executor-errors.txt into its request/response pairs. */
function parseErrors(text: string): Captured[] {
  return text.split(/^=== /m).slice(1).map((section) => {
    const title = section.slice(0, section.indexOf(" ===")).trim();
    const [req, res] = section.split("--- response ---\n") as [string, string];
    const reqLines = req.split("--- request ---\n")[1]!.split("\n");
    const blank = reqLines.indexOf("");
    const headers: Record<string, string> = {};
    for (const l of reqLines.slice(1, blank)) {
      const i = l.indexOf(": ");
      headers[l.slice(0, i)] = l.slice(i + 2);
    }
    const resLines = res.split("\n");
    const resBlank = resLines.indexOf("");
    const type = resLines.slice(1, resBlank).find((l) => l.startsWith("Content-Type: "));
    return {
      title,
      headers,
      body: reqLines[blank + 1]!,
      status: Number(resLines[0]!.split(" ")[1]),
      responseType: type ? type.slice("Content-Type: ".length) : null,
      responseBody: resLines[resBlank + 1] ?? "",
    };
  });
}

async function post(agent: LocalAgent, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${agent.url}/api/v1/executor`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json", ...headers },
    body,
  });
  return { status: res.status, type: res.headers.get("Content-Type"), text: await res.text() };
}

/** Subscribes as the executor; returns the decoded records as text and a closer. */
async function subscribe(agent: LocalAgent, executorId: string, path = "/api/v1/executor") {
  const res = await fetch(`${agent.url}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({
      type: "SUBSCRIBE",
      executor_id: { value: executorId },
      framework_id: { value: FW },
      subscribe: {},
    }),
  });
  const records: string[] = [];
  const raw: Uint8Array[] = [];
  const decoder = new RecordIODecoder();
  const reader = res.body!.getReader();
  const done = (async () => {
    while (true) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done || !value) return;
      raw.push(value);
      for (const r of decoder.decode(value)) records.push(new TextDecoder().decode(r));
    }
  })();
  return {
    res,
    records,
    raw,
    async close() {
      await reader.cancel().catch(() => {});
      await done;
    },
    done,
  };
}

const withAgent = (fn: AgentTest, options: { hostname?: string; resources?: string } = {}) =>
  withLocalAgent({
    prefix: "agent_api_test_",
    ...options,
    resources: options.resources ?? "cpus:2;mem:2048;disk:10000;ports:[31000-31099]",
  }, fn);

Deno.test("executor API answers like executor-errors.txt, and 403 before SUBSCRIBE", async () => {
  await withAgent(async (agent, master) => {
    const task = customTask({
      taskId: "t1",
      executorId: "e1",
      agentId: agent.id!,
      command: "exec sleep 30",
    });
    assert.equal((await master.runTask(transcriptFramework(), task)).status, 200);
    const heartbeat = JSON.stringify({
      type: "HEARTBEAT",
      executor_id: { value: "e1" },
      framework_id: { value: FW },
    });
    await waitFor(
      "executor e1 to start",
      async () => (await post(agent, heartbeat)).status !== 400,
    );
    assert.deepEqual(await post(agent, heartbeat), {
      status: 403,
      type: "text/plain; charset=utf-8",
      text: "Executor is not subscribed",
    });
    const stream = await subscribe(agent, "e1");
    const cases = parseErrors(await transcriptText("executor-errors.txt"));
    assert.equal(cases.length, 9);
    for (const c of cases) {
      const got = await post(agent, c.body, c.headers);
      assert.deepEqual(
        got,
        { status: c.status, type: c.responseType, text: c.responseBody },
        c.title,
      );
    }
    assert.equal(master.updates.length, 0, "none of the bad calls produced an update");
    await stream.close();
  });
});

Deno.test("executor API: 405, 400 without Content-Type, 406 SUBSCRIBE, bad protobuf", async () => {
  await withAgent(async (agent) => {
    const get = await fetch(`${agent.url}/slave(1)/api/v1/executor`);
    assert.equal(get.status, 405);
    assert.equal(get.headers.get("Allow"), "POST");
    await get.body?.cancel();
    const noType = await fetch(`${agent.url}/api/v1/executor`, {
      method: "POST",
      body: new TextEncoder().encode("{}"),
    });
    assert.equal(noType.status, 400);
    assert.equal(await noType.text(), "Expecting 'Content-Type' to be present");
    const sub = JSON.stringify({
      type: "SUBSCRIBE",
      executor_id: { value: "e1" },
      framework_id: { value: FW },
      subscribe: {},
    });
    assert.deepEqual(await post(agent, sub, { Accept: "text/html" }), {
      status: 406,
      type: "text/plain; charset=utf-8",
      text: "Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'",
    });
    assert.equal((await post(agent, sub)).text, "Framework cannot be found");
    const pb = await post(agent, "\u00ff\u00ff", { "Content-Type": "application/x-protobuf" });
    assert.deepEqual([pb.status, pb.text], [400, "Failed to parse body into Call protobuf"]);
    const json = await post(agent, "{nope");
    assert.equal(json.status, 400);
    assert.match(json.text, /^Failed to parse body into JSON: /);
  });
});

Deno.test("SUBSCRIBED and LAUNCH match executor-stream.recordio byte for byte", async () => {
  await withAgent(async (agent, master, workDir) => {
    const captured = new RecordIODecoder().decode(await transcriptBytes("executor-stream.recordio"))
      .map((r) => new TextDecoder().decode(r));
    const subscribed = JSON.parse(captured[0]!).subscribed;
    const launch = JSON.parse(captured[1]!).launch.task;
    // The captured task, on this agent; its executor URI must exist here.
    await Deno.writeTextFile(`${workDir}/ex.py`, "print('x')\n");
    const uri = `${workDir}/ex.py`;
    const task = JSON.parse(JSON.stringify(launch).replaceAll("/opt/examples/ex.py", uri));
    task.agent_id = { value: agent.id };
    const withRole = (rs: { allocation_info?: unknown; role?: string }[]) =>
      rs.map(({ allocation_info: _a, ...r }) => ({ ...r, role: "*" }));
    task.resources = withRole(task.resources);
    task.executor.resources = withRole(task.executor.resources);
    task.executor.command.value = "exec sleep 30";
    assert.equal((await master.runTask(subscribed.framework_info, task)).status, 200);
    await waitFor("executor e1", async () => {
      const r = await post(
        agent,
        JSON.stringify({
          type: "HEARTBEAT",
          executor_id: { value: "e1" },
          framework_id: { value: FW },
        }),
      );
      return r.status === 403;
    });
    const stream = await subscribe(agent, "e1", "/slave(1)/api/v1/executor");
    assert.equal(stream.res.status, 200);
    assert.equal(stream.res.headers.get("Content-Type"), "application/json");
    assert.equal(stream.res.headers.get("Mesos-Stream-Id"), null);
    await waitFor("SUBSCRIBED and LAUNCH", () => stream.records.length >= 2);
    const containerId = JSON.parse(stream.records[0]!).subscribed.container_id.value;
    const expect = (text: string) =>
      text.replaceAll("/opt/examples/ex.py", uri)
        .replaceAll("python3 exec.py", "exec sleep 30")
        .replaceAll("cb1afe78-068f-4d26-954d-748ba27e3673", containerId)
        .replaceAll('"port":15071', `"port":${agent.port}`)
        .replaceAll("c5151bcb-5f7a-468c-bf39-1032dc9772f5-S0", agent.id!);
    assert.equal(stream.records[0], expect(captured[0]!));
    assert.equal(stream.records[1], expect(captured[1]!));
    // One record per HTTP chunk, like the real agent.
    assert.ok(stream.raw.length >= 2);
    await stream.close();
  }, { hostname: "localhost" });
});

Deno.test("a protobuf SUBSCRIBE gets a protobuf stream of SUBSCRIBED and LAUNCH", async () => {
  await withAgent(async (agent, master) => {
    const task = customTask({
      taskId: "t1",
      executorId: "e1",
      agentId: agent.id!,
      command: "exec sleep 30",
    });
    await master.runTask(transcriptFramework(), task);
    await waitFor("executor e1", async () => {
      const r = await post(
        agent,
        JSON.stringify({
          type: "HEARTBEAT",
          executor_id: { value: "e1" },
          framework_id: { value: FW },
        }),
      );
      return r.status === 403;
    });
    const call = encodeMessage("mesos.v1.executor.Call", {
      type: "SUBSCRIBE",
      executor_id: { value: "e1" },
      framework_id: { value: FW },
      subscribe: {},
    }, "protobuf");
    const res = await fetch(`${agent.url}/api/v1/executor`, {
      method: "POST",
      headers: { "Content-Type": "application/x-protobuf", Accept: "application/x-protobuf" },
      body: call as Uint8Array<ArrayBuffer>,
    });
    assert.equal(res.headers.get("Content-Type"), "application/x-protobuf");
    const decoder = new RecordIODecoder();
    const events: Plain[] = [];
    const reader = res.body!.getReader();
    while (events.length < 2) {
      const { value } = await reader.read();
      for (const r of decoder.decode(value!)) {
        events.push(decodeMessage("mesos.v1.executor.Event", r, "protobuf"));
      }
    }
    await reader.cancel();
    assert.deepEqual(events.map((e) => e.type), ["SUBSCRIBED", "LAUNCH"]);
    assert.equal(events[0]!.subscribed.agent_info.id.value, agent.id);
    assert.equal(events[1]!.launch.task.task_id.value, "t1");
    assert.deepEqual(events[1]!.launch.task.resources[0].allocation_info, { role: "*" });
  });
});
