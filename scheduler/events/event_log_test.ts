import assert from "node:assert/strict";
import { FakeClock } from "../../lib/clock.ts";
import { ZnodeConflictError } from "../../lib/zk/znode_blob.ts";
import { initialState } from "../core/state.ts";
import type { AuditEvent, EventKind } from "./event.ts";
import { EventLog, type EventStore } from "./event_log.ts";

/** An in-memory store recording every save (the real one is tested in event_store_test.ts). */
class MemoryStore implements EventStore {
  readonly where = "memory";
  saved: AuditEvent[][] = [];
  stored: AuditEvent[] = [];
  fail: Error | undefined;
  load() {
    return Promise.resolve(structuredClone(this.stored));
  }
  save(events: readonly AuditEvent[]) {
    if (this.fail) return Promise.reject(this.fail);
    this.saved.push(structuredClone([...events]));
    this.stored = structuredClone([...events]);
    return Promise.resolve();
  }
}

const settle = () => new Promise((r) => setTimeout(r, 0));

Deno.test("EventLog keeps the last events numbered, with time, kind, reason and fields", () => {
  const clock = new FakeClock(Date.UTC(2025, 0, 2, 3, 4, 5));
  const log = new EventLog({ capacity: 3, clock });
  for (let i = 1; i <= 5; i++) log.record("backup", `backup ${i}`, { n: i });
  const events = log.list();
  assert.deepEqual(events.map((e) => e.seq), [3, 4, 5]);
  assert.deepEqual(events[0], {
    seq: 3,
    at: clock.now(),
    time: "2025-01-02T03:04:05.000Z",
    kind: "backup",
    reason: "backup 3",
    fields: { n: 3 },
  });
});

Deno.test("EventLog.list() filters by kind or kind prefix, sequence and count", () => {
  const log = new EventLog({ clock: new FakeClock(1) });
  const kinds: EventKind[] = ["reseed.started", "kill", "reseed.fencing", "reseed.ended", "add"];
  for (const k of kinds) log.record(k, k);
  assert.deepEqual(log.list({ kind: "reseed" }).map((e) => e.kind), [
    "reseed.started",
    "reseed.fencing",
    "reseed.ended",
  ]);
  assert.deepEqual(log.list({ kind: "kill" }).map((e) => e.seq), [2]);
  assert.deepEqual(log.list({ kind: "rese" }), []);
  assert.deepEqual(log.list({ after: 3 }).map((e) => e.seq), [4, 5]);
  assert.deepEqual(log.list({ limit: 2 }).map((e) => e.seq), [4, 5]);
});

Deno.test("EventLog.record() refuses an undocumented kind, naming it", () => {
  const log = new EventLog();
  assert.throws(() => log.record("explode" as EventKind, "x"), /"explode"/);
});

Deno.test("EventLog.observe() records the decisions of a core step at the step's time", () => {
  const log = new EventLog({ clock: new FakeClock(99) });
  const s = initialState({ clusterSize: 3 });
  log.observe({
    input: { type: "tick" },
    before: s,
    after: { ...s, lost: true },
    effects: [],
    at: 1234,
  });
  const [e] = log.list();
  assert.equal(e?.kind, "cluster.lost");
  assert.equal(e?.at, 1234);
});

Deno.test("EventLog writes in batches, only after loading, and carries the stored trail on", async () => {
  const clock = new FakeClock(1000);
  const store = new MemoryStore();
  store.stored = [{ seq: 41, at: 1, time: "x", kind: "kill", reason: "old", fields: {} }];
  const log = new EventLog({ store, clock, flushMs: 2000 });
  log.record("backup", "before loading");
  clock.advance(5000);
  await settle();
  assert.equal(store.saved.length, 0, "nothing is written before the stored trail is loaded");
  assert.equal(await log.load(), 1);
  assert.deepEqual(log.list().map((e) => [e.seq, e.reason]), [[41, "old"], [42, "before loading"]]);
  log.record("backup", "a");
  log.record("backup", "b");
  clock.advance(1999);
  await settle();
  assert.equal(store.saved.length, 0);
  clock.advance(1);
  await settle();
  assert.equal(store.saved.length, 1, "one write for three events");
  assert.deepEqual(store.saved[0]!.map((e) => e.seq), [41, 42, 43, 44]);
  clock.advance(10_000);
  await settle();
  assert.equal(store.saved.length, 1, "no write without news");
  log.record("restore.done", "c");
  await log.close();
  assert.equal(store.saved.length, 2, "close() writes what is left");
  assert.deepEqual(store.stored.map((e) => e.seq), [41, 42, 43, 44, 45]);
});

Deno.test("EventLog retries a failed write and stops persisting after a conflict", async () => {
  const clock = new FakeClock(0);
  const store = new MemoryStore();
  const log = new EventLog({ store, clock, flushMs: 100 });
  await log.load();
  store.fail = new Error("connection loss");
  log.record("backup", "a");
  clock.advance(100);
  await settle();
  assert.equal(store.saved.length, 0);
  store.fail = undefined;
  clock.advance(100);
  await settle();
  assert.equal(store.saved.length, 1, "written on the next try");
  store.fail = new ZnodeConflictError("/x", 3);
  log.record("backup", "b");
  clock.advance(100);
  await settle();
  store.fail = undefined;
  log.record("backup", "c");
  clock.advance(1000);
  await log.close();
  assert.equal(store.saved.length, 1, "another scheduler owns the trail now");
  assert.equal(log.list().length, 3, "the trail is still served");
});
