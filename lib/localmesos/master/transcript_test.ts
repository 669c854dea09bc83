/**
 * Replays the captured session of a real Mesos 1.12 master (calls-json.txt and the
 * streams captured with it) against the local master with a fake agent, and compares
 * status codes, headers and event bytes (ids, ports and timestamps normalised).
 */
import assert from "node:assert/strict";
import { decodeMessage } from "../../mesos/encoding.ts";
import { toJsonText } from "../../mesos/json_encode.ts";
import { transcriptBytes, transcriptText } from "../../../tests/fixtures/transcripts.ts";
import { splitRecordIO } from "../../mesos/testing/scripted_server.ts";
import { AGENT_INTERNAL, MASTER_INTERNAL } from "../internal_protocol.ts";
import { startFakeAgent, startTestMaster, TestScheduler } from "./testing/harness.ts";

const CAPTURED_MASTER = "21876e6e-9ac8-4f1c-9ded-ea98ae5d022f";
const TEXT = new TextDecoder();

interface CapturedCall {
  name: string;
  headers: Record<string, string>;
  body: string;
  status: number;
  responseHeaders: Record<string, string>;
}

/** Parses calls-json.txt into its requests and response heads. */
function parseCalls(text: string): CapturedCall[] {
  return text.split(/^### /m).slice(1).map((section) => {
    const lines = section.split("\n");
    const name = lines[0]!;
    const headers: Record<string, string> = {};
    let i = 2; // skip the request line
    for (; lines[i] !== ""; i++) {
      const [k, ...v] = lines[i]!.split(": ");
      headers[k!] = v.join(": ");
    }
    const body = lines[i + 1]!;
    const statusAt = lines.findIndex((l) => l.startsWith("--> "));
    const status = Number(lines[statusAt]!.split(" ")[2]);
    const responseHeaders: Record<string, string> = {};
    for (let j = statusAt + 1; j < lines.length && lines[j] !== ""; j++) {
      const [k, ...v] = lines[j]!.split(": ");
      responseHeaders[k!] = v.join(": ");
    }
    return { name, headers, body, status, responseHeaders };
  });
}

function records(bytes: Uint8Array): string[] {
  return splitRecordIO(bytes).map((r) => TEXT.decode(r));
}

Deno.test("the local master answers the captured JSON session like the real master", async (t) => {
  const { master, clock } = await startTestMaster({ hostname: "localhost" });
  const agent = await startFakeAgent(master.url);
  const masterPort = String(master.port);
  const norm = (s: string) =>
    s.replaceAll(CAPTURED_MASTER, "M").replaceAll(master.id, "M")
      .replaceAll("15050", "MPORT").replaceAll(`:${masterPort}`, ":MPORT")
      .replaceAll(`"port":${masterPort}`, `"port":MPORT`)
      .replaceAll("15051", "APORT").replaceAll(String(agent.server.port), "APORT")
      .replace(/"timestamp":[0-9.]+/g, '"timestamp":T')
      .replace(/^\d+\n/, "");
  const calls = parseCalls(await transcriptText("calls-json.txt"));
  const toOurs = (s: string) => s.replaceAll(CAPTURED_MASTER, master.id);
  let scheduler!: TestScheduler;
  const post = async (call: CapturedCall, streamId: string) => {
    const res = await fetch(`${master.url}/api/v1/scheduler`, {
      method: "POST",
      headers: {
        "Content-Type": call.headers["Content-Type"]!,
        Accept: call.headers["Accept"]!,
        "Mesos-Stream-Id": streamId,
      },
      body: toOurs(call.body),
    });
    const body = await res.text();
    assert.equal(res.status, call.status, `${call.name}: ${body}`);
    assert.equal(res.headers.get("Content-Length"), call.responseHeaders["Content-Length"]);
    assert.equal(res.headers.get("Content-Type"), null, call.name);
    return body;
  };

  try {
    await t.step("SUBSCRIBE streams SUBSCRIBED, HEARTBEAT and OFFERS byte for byte", async () => {
      const sub = calls[0]!;
      scheduler = await TestScheduler.subscribe(master.url, JSON.parse(sub.body));
      assert.equal(scheduler.response.status, 200);
      assert.equal(scheduler.response.headers.get("Content-Type"), "application/json");
      assert.match(scheduler.streamId, /^[0-9a-f-]{36}$/);
      const expected = records(await transcriptBytes("subscribe-json.recordio")).map(norm);
      for (const want of expected) {
        assert.equal(norm(TEXT.decode(await scheduler.nextRecord())), want);
      }
      scheduler.frameworkId = `${master.id}-0000`;
    });

    await t.step("ACCEPT launches t1 on the agent and answers 202", async () => {
      await post(calls[1]!, scheduler.streamId);
      await agent.server.waitForRequests(1);
      const run = JSON.parse(TEXT.decode(agent.requestsTo(AGENT_INTERNAL.runTask)[0]!.body));
      assert.equal(run.task.task_id.value, "t1");
      assert.equal(run.framework_info.id.value, `${master.id}-0000`);
      assert.equal(run.task.command.value, "sleep 3");
    });

    const launch = records(await transcriptBytes("launch-json.recordio"));
    const captured = (i: number) =>
      decodeMessage(
        "mesos.v1.scheduler.Event",
        new TextEncoder().encode(launch[i]!.replace(/^\d+\n/, "")),
        "json",
      );
    const sendUpdate = async (i: number) => {
      const status = JSON.parse(
        toOurs(toJsonText("mesos.v1.TaskStatus", captured(i).update.status)),
      );
      const res = await agent.send(MASTER_INTERNAL.statusUpdate, {
        agent_id: `${master.id}-S0`,
        framework_id: `${master.id}-0000`,
        status,
      });
      assert.equal(res.status, 200);
    };

    await t.step("agent updates reach the scheduler exactly as captured", async () => {
      for (const i of [0, 1]) {
        await sendUpdate(i);
        assert.equal(norm(TEXT.decode(await scheduler.nextRecord())), norm(launch[i]!));
      }
    });

    await t.step("/master/tasks and /master/state show the running task as captured", async () => {
      const tasks = await (await fetch(`${master.url}/master/tasks?framework_id=${master.id}-0000`))
        .text();
      assert.equal(norm(tasks), norm(await transcriptText("master-tasks.json")));
      const state = JSON.parse(await (await fetch(`${master.url}/master/state`)).text());
      const want = JSON.parse(await transcriptText("master-state.json"));
      assert.deepEqual(Object.keys(state), Object.keys(want));
      assert.deepEqual(Object.keys(state.slaves[0]), Object.keys(want.slaves[0]));
      assert.deepEqual(Object.keys(state.frameworks[0]), Object.keys(want.frameworks[0]));
      assert.deepEqual(
        state.frameworks[0].tasks,
        JSON.parse(toOurs(JSON.stringify(want.frameworks[0].tasks))),
      );
      assert.equal(state.leader, `master@127.0.0.1:${master.port}`);
      assert.equal(state.slaves[0].pid, `slave(1)@127.0.0.1:${agent.server.port}`);
      assert.deepEqual(state.slaves[0].used_resources, want.slaves[0].used_resources);
      assert.equal(state.frameworks[0].role, "*");
      assert.equal("roles" in state.frameworks[0], false);
      assert.equal("pid" in state.frameworks[0], false);
    });

    await t.step(
      "ACKNOWLEDGEs are relayed to the agent; TASK_FINISHED frees the agent",
      async () => {
        await post(calls[2]!, scheduler.streamId);
        await post(calls[3]!, scheduler.streamId);
        await sendUpdate(2);
        assert.equal(norm(TEXT.decode(await scheduler.nextRecord())), norm(launch[2]!));
        await post(calls[4]!, scheduler.streamId);
        assert.equal(norm(TEXT.decode(await scheduler.nextRecord())), norm(launch[3]!)); // OFFERS O1
        clock.advance(15_000);
        assert.equal(norm(TEXT.decode(await scheduler.nextRecord())), norm(launch[4]!)); // HEARTBEAT
        await agent.server.waitForRequests(4);
        const acks = agent.requestsTo(AGENT_INTERNAL.acknowledge).map((r) =>
          JSON.parse(TEXT.decode(r.body)).uuid
        );
        assert.deepEqual(acks, [
          "OMglCeckR82Hz1eKtMrPFA==",
          "jdITEgA3Q6GqqtFam2ZlCA==",
          "Fv5NrQgXQCGay8KCosvOkA==",
        ]);
      },
    );

    await t.step(
      "RECONCILE answers like the capture; implicit with no task sends nothing",
      async () => {
        const want = records(await transcriptBytes("reconcile-json.recordio")).map(norm);
        await post(calls[5]!, scheduler.streamId);
        assert.equal(norm(TEXT.decode(await scheduler.nextRecord())), want[0]);
        assert.equal(norm(TEXT.decode(await scheduler.nextRecord())), want[1]);
        await post(calls[6]!, scheduler.streamId);
        assert.equal(await scheduler.quiet(150), true);
        await post(calls[7]!, scheduler.streamId);
        assert.equal(norm(TEXT.decode(await scheduler.nextRecord())), want[2]);
      },
    );

    let proto!: TestScheduler;
    await t.step("after DECLINE for 3600 s a protobuf framework gets the agent", async () => {
      await post(calls[8]!, scheduler.streamId);
      proto = await TestScheduler.subscribe(
        master.url,
        new Uint8Array([0x10, 0x01, 0x1a, 0x08, 0x0a, 0x06, 0x0a, 0x01, 0x75, 0x12, 0x01, 0x6e]),
        { contentType: "protobuf" },
      );
      assert.equal(proto.response.headers.get("Content-Type"), "application/x-protobuf");
      const want = splitRecordIO(await transcriptBytes("subscribe-protobuf.recordio"));
      for (const rec of want) {
        const payload = rec.subarray(rec.indexOf(0x0a) + 1);
        const wantJson = toJsonText(
          "mesos.v1.scheduler.Event",
          decodeMessage("mesos.v1.scheduler.Event", payload, "protobuf"),
        );
        const got = toJsonText("mesos.v1.scheduler.Event", await proto.nextEvent());
        assert.equal(norm(got), norm(wantJson));
      }
      assert.equal(await scheduler.quiet(150), true);
    });

    let second!: TestScheduler;
    await t.step("a second SUBSCRIBE fails the first stream over", async () => {
      const again = calls[9]!;
      second = await TestScheduler.subscribe(master.url, JSON.parse(toOurs(again.body)));
      assert.notEqual(second.streamId, scheduler.streamId);
      const old = records(await transcriptBytes("failover-old-stream.recordio"));
      assert.equal(TEXT.decode(await scheduler.nextRecord()), old[0]!.replace(/^\d+\n/, ""));
      assert.equal(await scheduler.ended(), true);
      for (const want of records(await transcriptBytes("failover-new-stream.recordio"))) {
        assert.equal(norm(TEXT.decode(await second.nextRecord())), norm(want));
      }
    });

    await t.step("TEARDOWN ends the new stream with no event", async () => {
      await post(calls[10]!, second.streamId);
      assert.equal(await second.ended(), true);
      await second.close();
    });
    await proto.close();
  } finally {
    await scheduler?.close();
    await master.stop();
    await agent.close();
  }
});
