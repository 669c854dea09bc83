/**
 * Fuzzing of the scheduler client's event path over real HTTP: every subscription gets a
 * good SUBSCRIBED and then captured records mutated with a seeded PRNG (framing included).
 * The client must only ever report connected / disconnected / typed events, re-subscribe
 * after each broken stream, and never reject. Failure messages name the seed.
 */
import assert from "node:assert/strict";
import { createSchedulerClient, type SchedulerNotice } from "./scheduler_client.ts";
import { decodeMessage, encodeMessage, type Encoding } from "./encoding.ts";
import { encodeRecord, RecordIODecoder } from "./recordio.ts";
import { mutateBytes, mutateJsonText, SeededRandom } from "./testing/fuzzing.ts";
import {
  type RecordedRequest,
  type ScriptedServer,
  startScriptedServer,
} from "./testing/scripted_server.ts";
import { transcriptBytes } from "../../tests/fixtures/transcripts.ts";

const EVENT = "mesos.v1.scheduler.Event";
const FW = "21876e6e-9ac8-4f1c-9ded-ea98ae5d022f-0000";
const SUBSCRIPTIONS = 60;
const FILES = [
  "subscribe-json.recordio",
  "launch-json.recordio",
  "reconcile-json.recordio",
  "failover-new-stream.recordio",
  "executor-scheduler-side.recordio",
];
const EVENT_TYPES = new Set([
  "SUBSCRIBED",
  "OFFERS",
  "INVERSE_OFFERS",
  "RESCIND",
  "RESCIND_INVERSE_OFFER",
  "UPDATE",
  "UPDATE_OPERATION_STATUS",
  "MESSAGE",
  "FAILURE",
  "ERROR",
  "HEARTBEAT",
  "UNKNOWN",
]);

/** Captured events (ERROR and SUBSCRIBED left out: they end or restart a stream). */
async function capturedEvents(): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (const file of FILES) {
    for (const r of new RecordIODecoder().decode(await transcriptBytes(file))) {
      const e = decodeMessage(EVENT, r, "json");
      if (e.type !== "ERROR" && e.type !== "SUBSCRIBED") out.push(e);
    }
  }
  return out;
}

/** The bytes after SUBSCRIBED for subscription `seed`: records, mutated in one of three ways. */
function fuzzedStream(rnd: SeededRandom, events: Record<string, unknown>[], e: Encoding) {
  const records: Uint8Array[] = [];
  for (let i = 0, n = 1 + rnd.int(6); i < n; i++) {
    const ev = rnd.pick(events);
    let payload = encodeMessage(EVENT, ev, e);
    if (e === "json" && rnd.chance(0.25)) {
      payload = new TextEncoder().encode(
        mutateJsonText(rnd, new TextDecoder().decode(payload)),
      );
    } else if (rnd.chance(0.25)) payload = mutateBytes(rnd, payload);
    records.push(encodeRecord(payload));
  }
  const wire = new Uint8Array(records.reduce((n, r) => n + r.length, 0));
  let at = 0;
  for (const r of records) {
    wire.set(r, at);
    at += r.length;
  }
  return rnd.chance(0.3) ? mutateBytes(rnd, wire) : wire;
}

for (const encoding of ["json", "protobuf"] as const) {
  Deno.test(`scheduler client survives ${SUBSCRIPTIONS} fuzzed streams (${encoding}, seeded)`, async () => {
    const events = await capturedEvents();
    const subscribed = encodeRecord(encodeMessage(EVENT, {
      type: "SUBSCRIBED",
      subscribed: { framework_id: { value: FW }, heartbeat_interval_seconds: 15 },
    }, encoding));
    const server = await startScriptedServer(
      (req: RecordedRequest, index: number, srv: ScriptedServer) => {
        if (req.headers.has("mesos-stream-id")) return new Response(null, { status: 202 });
        const s = srv.stream(200, { "Mesos-Stream-Id": `stream-${index}` });
        s.push(subscribed);
        if (index < SUBSCRIPTIONS) {
          const rnd = new SeededRandom(index + 1);
          // Chunked at random, so framing errors fall anywhere in a read.
          const bytes = fuzzedStream(rnd, events, encoding);
          for (let at = 0; at < bytes.length;) {
            const size = 1 + rnd.int(64);
            s.push(bytes.subarray(at, at + size));
            at += size;
          }
        }
        s.end();
        return s.response;
      },
    );
    const client = createSchedulerClient({
      master: server.origin,
      frameworkInfo: { user: "u", name: "fuzz" },
      encoding,
      backoff: { minMs: 1, maxMs: 2 },
    });
    let connected = 0;
    let events_ = 0;
    try {
      const deadline = Date.now() + 20_000;
      for await (const n of client as AsyncIterable<SchedulerNotice>) {
        const seed = `seed ${connected} (${encoding})`;
        if (n.type === "connected") {
          assert.equal(n.frameworkId, FW, seed);
          if (++connected > SUBSCRIPTIONS) break;
        } else if (n.type === "disconnected") {
          assert.equal(typeof n.reason, "string", seed);
        } else {
          assert.equal(n.type, "event", seed);
          assert.ok(EVENT_TYPES.has(String(n.event.type)), `${seed}: event type ${n.event.type}`);
          events_++;
        }
        assert.ok(Date.now() < deadline, `${seed}: too slow`);
      }
    } finally {
      await client.close();
      await server.close();
    }
    await client.done; // never rejected
    assert.equal(connected, SUBSCRIPTIONS + 1);
    assert.ok(events_ > SUBSCRIPTIONS / 4, `only ${events_} events got through`);
    assert.equal(server.requests.length, SUBSCRIPTIONS + 1);
  });
}
