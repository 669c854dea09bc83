import assert from "node:assert/strict";
import {
  accept,
  acceptLaunch,
  acknowledge,
  decline,
  kill,
  launch,
  message,
  needsAcknowledge,
  reconcile,
  revive,
  type SchedulerCall,
  shutdown,
  subscribe,
  suppress,
  teardown,
  withFrameworkId,
} from "./calls.ts";
import { decodeMessage, encodeMessage } from "./encoding.ts";
import { fromJsonText } from "./json_decode.ts";
import { toJsonText } from "./json_encode.ts";
import { RecordIODecoder } from "./recordio.ts";
import type { SchedulerEvent, TaskInfo, TaskStatus } from "./types.ts";
import { transcriptBytes, transcriptText } from "../../tests/fixtures/transcripts.ts";

const CALL = "mesos.v1.scheduler.Call";
const FW = "21876e6e-9ac8-4f1c-9ded-ea98ae5d022f-0000";
const FW2 = "c5151bcb-5f7a-468c-bf39-1032dc9772f5-0000";

/** Every `POST <path>` request body of a transcript, in order, with its section title. */
async function capturedBodies(file: string, path: string): Promise<[string, string][]> {
  const lines = (await transcriptText(file)).split("\n");
  const out: [string, string][] = [];
  let title = "";
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith("###") || line.startsWith("===")) title = line;
    if (line !== `POST ${path} HTTP/1.1`) continue;
    while (lines[i] !== "") i++;
    out.push([title, lines[i + 1]!]);
  }
  return out;
}

/** The captured body as Mesos' codec writes it (key order, `60.0`): only formatting changes. */
const canonical = (body: string) => toJsonText(CALL, fromJsonText(CALL, body));
const ours = (call: SchedulerCall) => toJsonText(CALL, call);

async function recordedUpdates(file: string): Promise<TaskStatus[]> {
  const records = new RecordIODecoder().decode(await transcriptBytes(file));
  return records
    .map((r) => decodeMessage<SchedulerEvent>("mesos.v1.scheduler.Event", r, "json"))
    .filter((e) => e.type === "UPDATE")
    .map((e) => e.update!.status);
}

const scalar = (name: string, value: number) => ({
  name,
  type: "SCALAR" as const,
  scalar: { value },
});

Deno.test("scheduler call constructors reproduce every call of calls-json.txt", async () => {
  const bodies = await capturedBodies("calls-json.txt", "/api/v1/scheduler");
  const statuses = await recordedUpdates("launch-json.recordio");
  assert.equal(statuses.length, 3);
  const info = { user: "root", name: "transcript", failover_timeout: 60, checkpoint: true };
  const task: TaskInfo = {
    name: "t1",
    task_id: { value: "t1" },
    agent_id: { value: "21876e6e-9ac8-4f1c-9ded-ea98ae5d022f-S0" },
    resources: [scalar("cpus", 0.1), scalar("mem", 32), {
      name: "ports",
      type: "RANGES",
      ranges: { range: [{ begin: 31000, end: 31000 }] },
    }],
    command: { value: "sleep 3", shell: true },
    labels: { labels: [{ key: "k", value: "v" }] },
    discovery: {
      visibility: "EXTERNAL",
      name: "etcd-server",
      ports: { ports: [{ number: 31000, name: "peer", protocol: "tcp" }] },
    },
  };
  const agent = "21876e6e-9ac8-4f1c-9ded-ea98ae5d022f-S0";
  const expected: SchedulerCall[] = [
    subscribe(info),
    withFrameworkId(acceptLaunch([`${FW.slice(0, -5)}-O0`], [task]), FW),
    ...statuses.map((s) => withFrameworkId(acknowledge(s), FW)),
    withFrameworkId(
      reconcile([{ taskId: "t1", agentId: agent }, { taskId: "nope", agentId: agent }]),
      FW,
    ),
    withFrameworkId(reconcile(), FW),
    withFrameworkId(reconcile([{ taskId: "nope" }]), FW),
    withFrameworkId(decline([`${FW.slice(0, -5)}-O1`], { refuseSeconds: 3600 }), FW),
    subscribe(info, { frameworkId: FW }),
    withFrameworkId(teardown(), FW),
  ];
  assert.equal(bodies.length, expected.length);
  bodies.forEach(([title, body], i) => assert.equal(ours(expected[i]!), canonical(body), title));
});

Deno.test("scheduler call constructors reproduce the scheduler calls of executor-calls.txt", async () => {
  const bodies = await capturedBodies("executor-calls.txt", "/api/v1/scheduler");
  const statuses = await recordedUpdates("executor-scheduler-side.recordio");
  const agent = `${FW2.slice(0, -5)}-S0`;
  const task: TaskInfo = {
    name: "t1",
    task_id: { value: "t1" },
    agent_id: { value: agent },
    resources: [scalar("cpus", 0.1), scalar("mem", 32), {
      name: "ports",
      type: "RANGES",
      ranges: { range: [{ begin: 31000, end: 31000 }] },
    }],
    executor: {
      type: "CUSTOM",
      executor_id: { value: "e1" },
      command: {
        value: "python3 exec.py",
        shell: true,
        uris: [{ value: "/opt/examples/ex.py", executable: true, extract: false }],
      },
      resources: [scalar("cpus", 0.1), scalar("mem", 32)],
    },
    data: new TextEncoder().encode('{"hello":"world"}'),
  };
  const expected: SchedulerCall[] = [
    subscribe({ user: "root", name: "exectranscript", failover_timeout: 60, checkpoint: true }),
    withFrameworkId(
      accept([`${FW2.slice(0, -5)}-O0`], [launch([task])], { refuseSeconds: 5 }),
      FW2,
    ),
    withFrameworkId(acknowledge(statuses[0]!), FW2),
    withFrameworkId(acknowledge(statuses[1]!), FW2),
    withFrameworkId(message({ agentId: agent, executorId: "e1" }, "ping"), FW2),
    withFrameworkId(kill("t1", { agentId: agent }), FW2),
    withFrameworkId(acknowledge(statuses[2]!), FW2),
    withFrameworkId(teardown(), FW2),
  ];
  assert.equal(bodies.length, expected.length);
  bodies.forEach(([title, body], i) => assert.equal(ours(expected[i]!), canonical(body), title));
});

Deno.test("subscribe() sets both framework ids, taking the id from framework_info; matches the protobuf vector", () => {
  const call = subscribe({ user: "u", name: "n", id: { value: "F" } });
  assert.deepEqual(call.framework_id, { value: "F" });
  assert.deepEqual(call.subscribe!.framework_info.id, { value: "F" });
  const fresh = subscribe({ user: "u", name: "n" });
  assert.equal(fresh.framework_id, undefined);
  assert.equal(fresh.subscribe!.framework_info.id, undefined);
  // The exact protobuf test vector of the protocol notes.
  assert.deepEqual(Array.from(encodeMessage(CALL, fresh, "protobuf")), [
    0x10,
    0x01,
    0x1a,
    0x08,
    0x0a,
    0x06,
    0x0a,
    0x01,
    0x75,
    0x12,
    0x01,
    0x6e,
  ]);
});

Deno.test("revive() and suppress() omit the sub-message without roles", () => {
  assert.equal(
    ours(withFrameworkId(revive(), FW)),
    `{"framework_id":{"value":"${FW}"},"type":"REVIVE"}`,
  );
  assert.equal(ours(suppress(["etcd"])), `{"type":"SUPPRESS","suppress":{"roles":["etcd"]}}`);
  assert.equal(ours(revive(["etcd"])), `{"type":"REVIVE","revive":{"roles":["etcd"]}}`);
  assert.equal(ours(suppress()), `{"type":"SUPPRESS"}`);
});

Deno.test("kill() converts the grace period to nanoseconds; shutdown() names both ids", () => {
  assert.equal(
    ours(kill("t", { gracePeriodMs: 1500 })),
    `{"type":"KILL","kill":{"task_id":{"value":"t"},"kill_policy":{"grace_period":{"nanoseconds":1500000000}}}}`,
  );
  assert.equal(
    ours(shutdown("e", "a")),
    `{"type":"SHUTDOWN","shutdown":{"executor_id":{"value":"e"},"agent_id":{"value":"a"}}}`,
  );
  assert.throws(() => kill("t", { gracePeriodMs: -1 }), { name: "RangeError", message: /-1 ms/ });
});

Deno.test("acknowledge() refuses a status without uuid, naming the task", () => {
  const status: TaskStatus = {
    task_id: { value: "t9" },
    state: "TASK_LOST",
    agent_id: { value: "a" },
  };
  assert.equal(needsAcknowledge(status), false);
  assert.throws(() => acknowledge(status), {
    name: "RangeError",
    message: /TASK_LOST of task "t9"/,
  });
});

Deno.test("decline() rejects a negative refuse_seconds, naming it", () => {
  assert.throws(() => decline(["o"], { refuseSeconds: -3 }), { message: /refuse_seconds -3/ });
});
