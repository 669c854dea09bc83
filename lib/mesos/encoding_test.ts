import {
  deepStrictEqual as assertEquals,
  strictEqual,
  throws as assertThrows,
} from "node:assert/strict";
import {
  CodecError,
  decodeMessage,
  encodeMessage,
  formatDouble,
  fromJsonText,
  NotInitializedError,
  toJsonText,
  toProtobuf,
} from "./codec.ts";
import { RecordIODecoder } from "./recordio.ts";
import { transcriptBytes } from "../../tests/fixtures/transcripts.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");
const CALL = "mesos.v1.scheduler.Call";
const EVENT = "mesos.v1.scheduler.Event";

Deno.test("the protocol doc's protobuf SUBSCRIBE test vector round-trips byte for byte", () => {
  const call = { type: "SUBSCRIBE", subscribe: { framework_info: { user: "u", name: "n" } } };
  const bytes = encodeMessage(CALL, call, "protobuf");
  strictEqual(hex(bytes), "10 01 1a 08 0a 06 0a 01 75 12 01 6e");
  assertEquals(decodeMessage(CALL, bytes, "protobuf"), call);
});

/**
 * Byte-exact, except that a double may print its 17th significant digit differently from
 * Mesos' C++ formatter (both texts parse to the same double).
 */
function assertSameJsonText(actual: string, expected: string) {
  if (actual === expected) return;
  strictEqual(JSON.stringify(JSON.parse(actual)), JSON.stringify(JSON.parse(expected)));
  strictEqual(actual.replace(/\d/g, "0").length, expected.replace(/\d/g, "0").length);
}

/** Every JSON stream capture, with the message type of its records. */
const JSON_STREAMS: [string, string][] = [
  ["subscribe-json.recordio", EVENT],
  ["launch-json.recordio", EVENT],
  ["reconcile-json.recordio", EVENT],
  ["failover-old-stream.recordio", EVENT],
  ["failover-new-stream.recordio", EVENT],
  ["executor-scheduler-side.recordio", EVENT],
  ["executor-stream.recordio", "mesos.v1.executor.Event"],
];

for (const [file, type] of JSON_STREAMS) {
  Deno.test(`every record of ${file} decodes and re-encodes to the captured bytes`, async () => {
    const records = new RecordIODecoder().decode(await transcriptBytes(file));
    strictEqual(records.length > 0, true);
    for (const record of records) {
      const text = new TextDecoder().decode(record);
      const message = fromJsonText(type, text);
      assertSameJsonText(toJsonText(type, message), text);
      // And the same message survives a protobuf round trip unchanged.
      const pb = toProtobuf(type, message);
      assertEquals(decodeMessage(type, pb, "protobuf"), message);
    }
  });
}

Deno.test("the captured protobuf stream decodes and re-encodes byte for byte", async () => {
  const records = new RecordIODecoder().decode(
    await transcriptBytes("subscribe-protobuf.recordio"),
  );
  const events = records.map((r) => decodeMessage(EVENT, r, "protobuf"));
  assertEquals(events.map((e) => e.type), ["SUBSCRIBED", "HEARTBEAT", "OFFERS"]);
  strictEqual(events[0]!.subscribed.master_info.ip, 16777343);
  strictEqual(events[0]!.subscribed.framework_id.value.endsWith("-0001"), true);
  const resources = events[2]!.offers.offers[0].resources;
  assertEquals(resources.map((r: { name: string }) => r.name), ["ports", "cpus", "mem", "disk"]);
  records.forEach((r, i) => strictEqual(hex(toProtobuf(EVENT, events[i]!)), hex(r)));
});

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

Deno.test("an unknown enum value is dropped from an optional field and rejected in a required one", () => {
  // Mesos (stout) discards unknown names unless the field is required; proto2 does the same
  // with unknown numbers, so a newer master's event types do not break the stream.
  assertEquals(fromJsonText(EVENT, '{"type":"FUTURE_EVENT","future_event":{}}'), {});
  assertEquals(fromJsonText(CALL, '{"type":"NOPE"}'), {});
  assertEquals(decodeMessage(EVENT, new Uint8Array([0x08, 0x63]), "protobuf"), {});
  const status = '{"task_id":{"value":"t"},"state":"TASK_NEW_STATE"}';
  assertThrows(
    () => fromJsonText("mesos.v1.TaskStatus", status),
    /Failed to find enum for 'TASK_NEW_STATE' in field 'state'/,
  );
  const pb = toProtobuf("mesos.v1.TaskStatus", { task_id: { value: "t" }, state: "TASK_RUNNING" });
  const stateAt = pb.indexOf(0x30); // field 6, varint
  const unknownState = Uint8Array.from(pb, (b, i) => i === stateAt + 1 ? 0x63 : b);
  assertThrows(() => decodeMessage("mesos.v1.TaskStatus", unknownState, "protobuf"), CodecError);
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

Deno.test("JSON: doubles keep a fraction and defaults of optional fields are written", () => {
  strictEqual(formatDouble(2), "2.0");
  strictEqual(formatDouble(0.1), "0.1");
  strictEqual(
    toJsonText("mesos.v1.CommandInfo", { value: "sleep 3" }),
    '{"shell":true,"value":"sleep 3"}',
  );
  strictEqual(toJsonText("mesos.v1.Filters", {}), '{"refuse_seconds":5.0}');
});

Deno.test("missing required fields are reported with their paths", () => {
  const err = (() => {
    try {
      fromJsonText(CALL, '{"type":"SUBSCRIBE","subscribe":{"framework_info":{"name":"n"}}}');
    } catch (e) {
      return e;
    }
  })();
  strictEqual(err instanceof NotInitializedError, true);
  assertEquals((err as NotInitializedError).paths, ["subscribe.framework_info.user"]);
  assertThrows(() => toProtobuf(CALL, { type: "KILL", kill: {} }), /kill\.task_id/);
});

Deno.test("invalid JSON and invalid protobuf give a CodecError, never a crash", () => {
  assertThrows(() => fromJsonText(CALL, '{"type":'), /Failed to parse body into JSON/);
  assertThrows(
    () => decodeMessage(CALL, new Uint8Array([0x0a, 0xff, 0xff]), "protobuf"),
    CodecError,
  );
});
