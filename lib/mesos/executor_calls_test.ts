import assert from "node:assert/strict";
import {
  type ExecutorCall,
  executorMessage,
  executorSubscribe,
  executorUpdate,
  stampStatus,
} from "./executor_calls.ts";
import { base64ToBytes } from "./base64.ts";
import { fromJsonText } from "./json_decode.ts";
import { toJsonText } from "./json_encode.ts";
import { transcriptText } from "../../tests/fixtures/transcripts.ts";
import type { TaskInfo, TaskStatus } from "./types.ts";

const CALL = "mesos.v1.executor.Call";
const ids = { frameworkId: "c5151bcb-5f7a-468c-bf39-1032dc9772f5-0000", executorId: "e1" };

async function executorBodies(): Promise<string[]> {
  const lines = (await transcriptText("executor-calls.txt")).split("\n");
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== "POST /api/v1/executor HTTP/1.1") continue;
    while (lines[i] !== "") i++;
    out.push(lines[i + 1]!);
  }
  return out;
}

const canonical = (body: string) => toJsonText(CALL, fromJsonText(CALL, body));
const ours = (call: ExecutorCall) => toJsonText(CALL, call);

Deno.test("executor call constructors reproduce the captured SUBSCRIBE and UPDATEs", async () => {
  const bodies = await executorBodies();
  const status = (state: TaskStatus["state"], uuid: string, timestamp: number): TaskStatus => ({
    task_id: { value: "t1" },
    state,
    source: "SOURCE_EXECUTOR",
    uuid: base64ToBytes(uuid),
    timestamp,
  });
  const expected = [
    executorSubscribe(ids),
    executorUpdate(ids, status("TASK_STARTING", "Zn06NL7qTDG66AAh/wRZfg==", 1795291352.779262)),
    executorUpdate(ids, status("TASK_RUNNING", "EpMc4hE8RZuVhskDgQQ+4Q==", 1795291352.7922513)),
    executorUpdate(ids, {
      ...status("TASK_KILLED", "yuaQBuBsQCeRGeYGd4kE1A==", 1795291357.8499804),
      message: "killed by exec.py on KILL",
    }),
  ];
  assert.equal(bodies.length, expected.length);
  bodies.forEach((body, i) => assert.equal(ours(expected[i]!), canonical(body)));
  assert.match(ours(expected[0]!), /"subscribe":\{\}/);
});

Deno.test("executorSubscribe() carries unacknowledged tasks and updates on re-subscribe", () => {
  const task: TaskInfo = { name: "t", task_id: { value: "t" }, agent_id: { value: "a" } };
  const update: TaskStatus = { task_id: { value: "t" }, state: "TASK_RUNNING" };
  const call = executorSubscribe(ids, {
    unacknowledgedTasks: [task],
    unacknowledgedUpdates: [update],
  });
  assert.deepEqual(call.subscribe, {
    unacknowledged_tasks: [task],
    unacknowledged_updates: [{ status: update }],
  });
});

Deno.test("executorMessage() sends text as UTF-8 bytes", () => {
  assert.match(
    ours(executorMessage(ids, "ping")),
    /"type":"MESSAGE","message":\{"data":"cGluZw=="\}/,
  );
});

Deno.test("stampStatus() fills uuid, SOURCE_EXECUTOR, seconds timestamp and executor id", () => {
  const uuid = new Uint8Array(16).fill(7);
  const s = stampStatus(
    { task_id: { value: "t" }, state: "TASK_RUNNING", source: "SOURCE_AGENT" },
    {
      executorId: "e1",
      nowMs: 1795291352779.262,
      uuid,
    },
  );
  assert.equal(s.source, "SOURCE_EXECUTOR");
  assert.equal(s.timestamp, 1795291352.779262);
  assert.deepEqual(s.executor_id, { value: "e1" });
  assert.equal(s.uuid, uuid);
  assert.throws(
    () => stampStatus(s, { executorId: "e1", nowMs: 0, uuid: new Uint8Array(5) }),
    { name: "RangeError", message: /5-byte/ },
  );
});
