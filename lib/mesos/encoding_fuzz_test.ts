/**
 * Fuzzing of the wire decoders with a seeded PRNG: random bytes, and captured Mesos records
 * mutated at the byte and at the JSON level, go into `decodeMessage` (both encodings) and the
 * RecordIO decoder. Only `CodecError` / `RecordIOError` may come out; every failure message
 * carries the seed that replays it.
 */
import assert from "node:assert/strict";
import { CodecError } from "./codec_errors.ts";
import { decodeMessage, encodeMessage, type Encoding } from "./encoding.ts";
import { toProtobuf } from "./protobuf_codec.ts";
import { RecordIODecoder, RecordIOError } from "./recordio.ts";
import { mutateBytes, mutateJsonText, SeededRandom } from "./testing/fuzzing.ts";
import { transcriptBytes } from "../../tests/fixtures/transcripts.ts";

const EVENT = "mesos.v1.scheduler.Event";
const TYPES = [
  EVENT,
  "mesos.v1.scheduler.Call",
  "mesos.v1.executor.Event",
  "mesos.v1.executor.Call",
  "mesos.v1.TaskInfo",
  "mesos.v1.Offer",
  "mesos.v1.TaskStatus",
];

/** Every captured JSON stream and the type of its records. */
const STREAMS: [string, string][] = [
  ["subscribe-json.recordio", EVENT],
  ["launch-json.recordio", EVENT],
  ["reconcile-json.recordio", EVENT],
  ["failover-old-stream.recordio", EVENT],
  ["failover-new-stream.recordio", EVENT],
  ["executor-scheduler-side.recordio", EVENT],
  ["executor-stream.recordio", "mesos.v1.executor.Event"],
];

interface Sample {
  type: string;
  json: string;
  protobuf: Uint8Array;
}

async function samples(): Promise<Sample[]> {
  const out: Sample[] = [];
  for (const [file, type] of STREAMS) {
    for (const record of new RecordIODecoder().decode(await transcriptBytes(file))) {
      const json = new TextDecoder().decode(record);
      out.push({ type, json, protobuf: toProtobuf(type, decodeMessage(type, record, "json")) });
    }
  }
  return out;
}

/**
 * Decodes `bytes`; a decoding error must be a CodecError, and a message that decoded must
 * encode again in both encodings (or fail with a CodecError, e.g. a NaN double in JSON).
 */
function decodeOrCodecError(type: string, bytes: Uint8Array, enc: Encoding, seed: string) {
  let decoded: Record<string, unknown>;
  try {
    decoded = decodeMessage(type, bytes, enc);
  } catch (e) {
    assert.ok(e instanceof CodecError, `${seed}: ${type}/${enc} threw ${String(e)}`);
    return false;
  }
  assert.equal(typeof decoded, "object", seed);
  for (const out of ["json", "protobuf"] as const) {
    try {
      encodeMessage(type, decoded, out);
    } catch (e) {
      assert.ok(e instanceof CodecError, `${seed}: re-encoding as ${out} threw ${String(e)}`);
    }
  }
  return true;
}

Deno.test("decodeMessage() on random bytes throws only CodecError (fuzz, both encodings)", () => {
  for (let seed = 1; seed <= 1500; seed++) {
    const rnd = new SeededRandom(seed);
    const bytes = rnd.bytes(rnd.int(rnd.chance(0.1) ? 2000 : 64));
    for (const type of TYPES) {
      for (const enc of ["json", "protobuf"] as const) {
        decodeOrCodecError(type, bytes, enc, `seed ${seed}`);
      }
    }
  }
});

Deno.test("decodeMessage() on mutated captured protobuf records throws only CodecError (fuzz)", async () => {
  const all = await samples();
  let decoded = 0;
  for (let seed = 1; seed <= 4000; seed++) {
    const rnd = new SeededRandom(seed);
    const s = rnd.pick(all);
    const ok = decodeOrCodecError(s.type, mutateBytes(rnd, s.protobuf), "protobuf", `seed ${seed}`);
    if (ok) decoded++;
  }
  // The mutations must leave some records decodable, or the deep paths go untested.
  assert.ok(decoded > 100 && decoded < 3900, `decoded ${decoded} of 4000 mutated records`);
});

Deno.test("decodeMessage() on mutated captured JSON records throws only CodecError (fuzz)", async () => {
  const all = await samples();
  let decoded = 0;
  for (let seed = 1; seed <= 4000; seed++) {
    const rnd = new SeededRandom(seed);
    const s = rnd.pick(all);
    const text = rnd.chance(0.5) ? mutateJsonText(rnd, s.json) : s.json;
    const bytes = rnd.chance(0.5)
      ? mutateBytes(rnd, new TextEncoder().encode(text))
      : new TextEncoder().encode(text);
    if (decodeOrCodecError(s.type, bytes, "json", `seed ${seed}`)) decoded++;
  }
  assert.ok(decoded > 200 && decoded < 3900, `decoded ${decoded} of 4000 mutated records`);
});

Deno.test("mutated captured RecordIO streams give records or RecordIOError, records decode or CodecError (fuzz)", async () => {
  const streams = await Promise.all(STREAMS.map(async ([f, t]) => [await transcriptBytes(f), t]));
  for (let seed = 1; seed <= 600; seed++) {
    const rnd = new SeededRandom(seed);
    const [wire, type] = rnd.pick(streams) as [Uint8Array, string];
    const mutated = mutateBytes(rnd, wire);
    const decoder = new RecordIODecoder({ maxRecordBytes: 1 << 20 });
    try {
      for (let at = 0; at < mutated.length;) {
        const size = 1 + rnd.int(300);
        for (const record of decoder.decode(mutated.subarray(at, at + size))) {
          decodeOrCodecError(type, record, "json", `seed ${seed}`);
        }
        at += size;
      }
    } catch (e) {
      assert.ok(e instanceof RecordIOError, `seed ${seed}: RecordIO threw ${String(e)}`);
    }
  }
});

Deno.test("pathological inputs give CodecError: deep nesting, huge numbers, lone surrogates", () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  const cases: [string, Uint8Array, Encoding][] = [
    ["deep arrays", enc("[".repeat(200_000)), "json"],
    ["deep objects", enc('{"a":'.repeat(100_000)), "json"],
    ["a huge length prefix", new Uint8Array([0x1a, 0xff, 0xff, 0xff, 0xff, 0x0f]), "protobuf"],
    ["an unknown field of wire type 7", new Uint8Array([0x7f, 0x01]), "protobuf"],
    ["a double as a type", enc('{"type":1e999}'), "json"],
    ["an id as a number", enc('{"type":"RESCIND","rescind":{"offer_id":{"value":1}}}'), "json"],
  ];
  for (const [what, bytes, e] of cases) {
    assert.throws(() => decodeMessage(EVENT, bytes, e), CodecError, what);
  }
  // Lone surrogates and NULs in strings are kept, not fatal.
  const text = decodeMessage(
    EVENT,
    enc('{"type":"ERROR","error":{"message":"\\ud800\\u0000"}}'),
    "json",
  );
  assert.equal(text.error.message, "\ud800\u0000");
});
