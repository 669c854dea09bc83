import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { encodeRecord, readRecords, RecordIODecoder, RecordIOError } from "./recordio.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

Deno.test("encodeRecord() writes the decimal byte length, a newline and the payload", () => {
  assertEquals(dec(encodeRecord(enc('{"type":"HEARTBEAT"}'))), '20\n{"type":"HEARTBEAT"}');
  assertEquals(Array.from(encodeRecord(new Uint8Array([8, 8]))), [0x32, 0x0a, 8, 8]);
  // Length counts UTF-8 bytes, not characters.
  assertEquals(dec(encodeRecord(enc("é"))), "2\né");
});

/** A small deterministic PRNG so a failing fuzz case can be replayed from its seed. */
function mulberry32(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

Deno.test("RecordIODecoder returns the same records under any chunking (fuzz)", () => {
  for (let seed = 1; seed <= 300; seed++) {
    const rnd = mulberry32(seed);
    const records: Uint8Array[] = [];
    const n = 1 + Math.floor(rnd() * 20);
    for (let r = 0; r < n; r++) {
      const len = Math.floor(rnd() * (rnd() < 0.1 ? 5000 : 40));
      records.push(Uint8Array.from({ length: len }, () => Math.floor(rnd() * 256)));
    }
    const wire = records.map(encodeRecord);
    const all = new Uint8Array(wire.reduce((a, w) => a + w.length, 0));
    let off = 0;
    for (const w of wire) {
      all.set(w, off);
      off += w.length;
    }
    const decoder = new RecordIODecoder();
    const got: Uint8Array[] = [];
    let pos = 0;
    while (pos < all.length) {
      const size = 1 + Math.floor(rnd() * (rnd() < 0.5 ? 3 : 200));
      got.push(...decoder.decode(all.subarray(pos, pos + size)));
      pos += size;
    }
    assertEquals(got.map((g) => Array.from(g)), records.map((r) => Array.from(r)), `seed ${seed}`);
    assertEquals(decoder.idle, true);
  }
});

Deno.test("RecordIODecoder rejects a non-numeric length line", () => {
  assertThrows(() => new RecordIODecoder().decode(enc("2x\nab")), RecordIOError);
  assertThrows(() => new RecordIODecoder().decode(enc("\nab")), RecordIOError);
  assertThrows(() => new RecordIODecoder().decode(enc("-1\n")), RecordIOError);
});

Deno.test("RecordIODecoder rejects lengths over the configured maximum", () => {
  const d = new RecordIODecoder({ maxRecordBytes: 10 });
  assertThrows(() => d.decode(enc("11\n")), /exceeds 10/);
  assertThrows(() => new RecordIODecoder().decode(enc("1234567890123\n")), /too long/);
});

Deno.test("readRecords() reports a stream truncated inside a record", async () => {
  const body = new Blob([enc('20\n{"type":"HEARTBEAT"}5\nab')]).stream();
  const got: string[] = [];
  let error: unknown;
  try {
    for await (const r of readRecords(body)) got.push(dec(r));
  } catch (e) {
    error = e;
  }
  assertEquals(got, ['{"type":"HEARTBEAT"}']);
  assertEquals(error instanceof RecordIOError, true);
});

Deno.test("decoding the captured JSON SUBSCRIBE stream yields SUBSCRIBED, HEARTBEAT, OFFERS", async () => {
  const bytes = await Deno.readFile(
    new URL("../../tests/fixtures/mesos-transcripts/subscribe-json.recordio", import.meta.url),
  );
  const types = new RecordIODecoder().decode(bytes).map((r) => JSON.parse(dec(r)).type);
  assertEquals(types, ["SUBSCRIBED", "HEARTBEAT", "OFFERS"]);
});

Deno.test("RecordIODecoder returns the records before garbage in one chunk, then stays broken", () => {
  const decoder = new RecordIODecoder();
  const got = decoder.decode(enc('2\nab3\ncdex\n{"a":1}'));
  assertEquals(got.map(dec), ["ab", "cde"]);
  assertEquals(decoder.idle, false);
  assertThrows(() => decoder.decode(new Uint8Array()), /Invalid RecordIO length: byte 0x78/);
  assertThrows(() => decoder.decode(enc("1\nz")), RecordIOError);
});

Deno.test("readRecords() yields the good records of a chunk, then throws for its garbage", async () => {
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(enc("2\nab!!"));
      // The stream stays open: the error must not wait for more bytes.
    },
  });
  const got: string[] = [];
  let error: unknown;
  try {
    for await (const r of readRecords(stream)) got.push(dec(r));
  } catch (e) {
    error = e;
  }
  assertEquals(got, ["ab"]);
  assertEquals(error instanceof RecordIOError, true);
  await stream.cancel();
});
