import assert from "node:assert/strict";
import { encodeMaintenanceOutcome } from "../contract/orders.ts";
import type { SchedulerEvent } from "../lib/mesos/types.ts";
import { EVENT_INPUTS, inputsOfEvent } from "./event_inputs.ts";

const TASK = "etcd-1 h1 31100 31101";
const outcome = () =>
  encodeMaintenanceOutcome({
    kind: "outcome",
    op: "stop",
    id: "r-1",
    taskId: TASK,
    ok: true,
    etcd: "stopped",
    message: "etcd stopped; data dir kept",
  });

Deno.test("EVENT_INPUTS: every event type has a row", () => {
  assert.deepEqual(Object.keys(EVENT_INPUTS).sort(), [
    "ERROR",
    "FAILURE",
    "HEARTBEAT",
    "INVERSE_OFFERS",
    "MESSAGE",
    "OFFERS",
    "RESCIND",
    "RESCIND_INVERSE_OFFER",
    "SUBSCRIBED",
    "UNKNOWN",
    "UPDATE",
    "UPDATE_OPERATION_STATUS",
  ]);
});

/** [event, the input types it means]. */
const table: [string, SchedulerEvent, string[]][] = [
  ["OFFERS → offers", { type: "OFFERS", offers: { offers: [] } }, ["offers"]],
  ["RESCIND → rescind", { type: "RESCIND", rescind: { offer_id: { value: "o1" } } }, ["rescind"]],
  ["UPDATE → status", {
    type: "UPDATE",
    update: { status: { task_id: { value: TASK }, state: "TASK_RUNNING" } },
  }, ["status"]],
  ["a labelled UPDATE → status and its order outcome", {
    type: "UPDATE",
    update: {
      status: {
        task_id: { value: TASK },
        state: "TASK_RUNNING",
        data: outcome(),
        labels: { labels: [{ key: "etcd-mesos.op", value: "stop" }] },
      },
    },
  }, ["status", "orderOutcome"]],
  ["MESSAGE with an outcome → orderOutcome", {
    type: "MESSAGE",
    message: { agent_id: { value: "a1" }, executor_id: { value: "e1" }, data: outcome() },
  }, ["orderOutcome"]],
  ["FAILURE of an executor → failure", {
    type: "FAILURE",
    failure: { agent_id: { value: "a1" }, executor_id: { value: "e1" } },
  }, ["failure"]],
  ["FAILURE without an agent → nothing", { type: "FAILURE", failure: {} }, []],
  ["HEARTBEAT → nothing", { type: "HEARTBEAT" }, []],
  ["SUBSCRIBED → nothing (the client's connected notice)", {
    type: "SUBSCRIBED",
    subscribed: { framework_id: { value: "fw" } },
  }, []],
  ["an unknown type from a newer master → nothing", { type: "NEWER" } as never, []],
];

for (const [what, event, types] of table) {
  Deno.test(`inputsOfEvent(): ${what}`, () => {
    assert.deepEqual(inputsOfEvent(event).inputs.map((i) => i.type), types);
  });
}

Deno.test("inputsOfEvent(): an unreadable MESSAGE is reported, not thrown", () => {
  const r = inputsOfEvent({
    type: "MESSAGE",
    message: {
      agent_id: { value: "a1" },
      executor_id: { value: "e1" },
      data: new TextEncoder().encode("hello"),
    },
  });
  assert.deepEqual(r.inputs, []);
  assert.equal(r.unreadable?.what, "executor message is not an order outcome");
  assert.equal(r.unreadable?.fields.data, "hello");
});

Deno.test("inputsOfEvent(): ERROR carries the master's message for the log", () => {
  assert.equal(
    inputsOfEvent({ type: "ERROR", error: { message: "Framework failed over" } }).error,
    "Framework failed over",
  );
});

Deno.test("a csr MESSAGE is no core input but a certificate request with its sender", () => {
  const data = new TextEncoder().encode(JSON.stringify({ kind: "csr", id: "c", taskId: "t" }));
  const meaning = inputsOfEvent({
    type: "MESSAGE",
    message: { agent_id: { value: "a1" }, executor_id: { value: "e1" }, data },
  });
  assert.deepEqual(meaning.inputs, []);
  assert.equal(meaning.unreadable, undefined);
  assert.deepEqual(meaning.certificateRequest, { agentId: "a1", executorId: "e1", data });
});
