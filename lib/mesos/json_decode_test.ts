import {
  deepStrictEqual as assertEquals,
  strictEqual,
  throws as assertThrows,
} from "node:assert/strict";
import { decodeMessage } from "./encoding.ts";
import { fromJsonText, fromJsonValue } from "./json_decode.ts";
import { toJsonText } from "./json_encode.ts";
import { toProtobuf } from "./protobuf_codec.ts";
import { transcriptBytes } from "../../tests/fixtures/transcripts.ts";

const CALL = "mesos.v1.scheduler.Call";

Deno.test("every JSON call body captured from a scheduler decodes as a valid Call", async () => {
  const text = new TextDecoder().decode(await transcriptBytes("calls-json.txt"));
  const bodies = text.split("\n").filter((l) => l.startsWith('{"'));
  strictEqual(bodies.length >= 8, true);
  for (const body of bodies) {
    const call = fromJsonText(CALL, body);
    strictEqual(typeof call.type, "string");
  }
});

Deno.test("JSON: framework_id given as a string is rejected with Mesos' message", () => {
  assertThrows(
    () => fromJsonText(CALL, '{"framework_id":"abc","type":"REVIVE"}'),
    /Not expecting a JSON string for field 'framework_id'/,
  );
});

Deno.test("JSON: an enum given as a number is rejected", () => {
  assertThrows(
    () => fromJsonText(CALL, '{"type":5}'),
    /Not expecting a JSON number for field 'type'/,
  );
});

Deno.test("JSON: camelCase and unknown keys are ignored, as Mesos does", () => {
  const call = fromJsonText(CALL, '{"frameworkId":{"value":"x"},"type":"REVIVE","bogus":1}');
  assertEquals(call, { type: "REVIVE" });
});

Deno.test("JSON: bytes are standard base64 of the raw bytes; bad base64 names the field", () => {
  const body = '{"type":"ACKNOWLEDGE","acknowledge":{"agent_id":{"value":"a"},' +
    '"task_id":{"value":"t"},"uuid":"OMglCeckR82Hz1eKtMrPFA=="}}';
  const call = fromJsonText(CALL, body);
  strictEqual(call.acknowledge.uuid.length, 16);
  strictEqual(toJsonText(CALL, call), body);
  assertThrows(
    () => fromJsonText(CALL, body.replace("OMglCeckR82Hz1eKtMrPFA==", "not-base64")),
    /Failed to base64 decode bytes field 'uuid': Invalid character '-'/,
  );
});

Deno.test("JSON: int64 beyond 2^53 survives as a bigint in both encodings", () => {
  const text = '{"nanoseconds":1795290970421924123}';
  const t = fromJsonText("mesos.v1.TimeInfo", text);
  strictEqual(t.nanoseconds, 1795290970421924123n);
  strictEqual(toJsonText("mesos.v1.TimeInfo", t), text);
  const pb = toProtobuf("mesos.v1.TimeInfo", t);
  strictEqual(decodeMessage("mesos.v1.TimeInfo", pb, "protobuf").nanoseconds, t.nanoseconds);
});

Deno.test("fromJsonValue() converts parsed JSON without the required-field check", () => {
  assertEquals(fromJsonValue("mesos.v1.TaskStatus", { state: "TASK_RUNNING" }), {
    state: "TASK_RUNNING",
  });
  assertThrows(
    () => fromJsonValue("mesos.v1.TaskStatus", []),
    /Expecting a JSON object for mesos\.v1\.TaskStatus/,
  );
});
