import {
  deepStrictEqual as assertEquals,
  strictEqual,
  throws as assertThrows,
} from "node:assert/strict";
import { CodecError } from "./codec_errors.ts";
import { CONTENT_TYPE, decodeMessage, encodeMessage } from "./encoding.ts";
import { fromJsonText } from "./json_decode.ts";
import { toProtobuf } from "./protobuf_codec.ts";

const CALL = "mesos.v1.scheduler.Call";
const EVENT = "mesos.v1.scheduler.Event";

Deno.test("encodeMessage() and decodeMessage() speak both encodings with their content types", () => {
  const call = { framework_id: { value: "f" }, type: "REVIVE" };
  const json = encodeMessage(CALL, call, "json");
  strictEqual(new TextDecoder().decode(json), '{"framework_id":{"value":"f"},"type":"REVIVE"}');
  assertEquals(decodeMessage(CALL, json, "json"), call);
  assertEquals(decodeMessage(CALL, encodeMessage(CALL, call, "protobuf"), "protobuf"), call);
  assertEquals(CONTENT_TYPE, { json: "application/json", protobuf: "application/x-protobuf" });
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

Deno.test("invalid JSON and invalid protobuf give a CodecError, never a crash", () => {
  assertThrows(() => fromJsonText(CALL, '{"type":'), /Failed to parse body into JSON/);
  assertThrows(
    () => decodeMessage(CALL, new Uint8Array([0x0a, 0xff, 0xff]), "protobuf"),
    CodecError,
  );
});
