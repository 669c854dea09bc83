import { deepStrictEqual as assertEquals, strictEqual } from "node:assert/strict";
import { decodeMessage } from "./encoding.ts";
import { fromJsonText } from "./json_decode.ts";
import { formatDouble, toJsonText } from "./json_encode.ts";
import { toProtobuf } from "./protobuf_codec.ts";
import { RecordIODecoder } from "./recordio.ts";
import { transcriptBytes } from "../../tests/fixtures/transcripts.ts";

const EVENT = "mesos.v1.scheduler.Event";

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

Deno.test("JSON: doubles keep a fraction and defaults of optional fields are written", () => {
  strictEqual(formatDouble(2), "2.0");
  strictEqual(formatDouble(0.1), "0.1");
  strictEqual(
    toJsonText("mesos.v1.CommandInfo", { value: "sleep 3" }),
    '{"shell":true,"value":"sleep 3"}',
  );
  strictEqual(toJsonText("mesos.v1.Filters", {}), '{"refuse_seconds":5.0}');
});
