import { deepStrictEqual as assertEquals, strictEqual } from "node:assert/strict";
import { decodeMessage, encodeMessage } from "./encoding.ts";
import { toProtobuf } from "./protobuf_codec.ts";
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
