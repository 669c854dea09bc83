import assert from "node:assert/strict";
import { EVENT_KINDS, type EventKind, isEventKind, makeEvent, MAX_REASON_CHARS } from "./event.ts";

Deno.test("makeEvent() numbers and times an event, cuts long text and drops odd fields", () => {
  const e = makeEvent(
    {
      kind: "defrag",
      reason: "x".repeat(1000),
      fields: { member: "etcd-1", bytes: 5, ok: true, odd: { a: 1 } as unknown as string },
    },
    3,
    0,
  );
  assert.equal(e.seq, 3);
  assert.equal(e.time, "1970-01-01T00:00:00.000Z");
  assert.equal(e.reason.length, MAX_REASON_CHARS);
  assert.ok(e.reason.endsWith("…"));
  assert.deepEqual(e.fields, { member: "etcd-1", bytes: 5, ok: true });
  assert.throws(() => makeEvent({ kind: "nope" as EventKind, reason: "" }, 1, 0), /"nope"/);
  assert.ok(isEventKind("reseed.started") && !isEventKind("toString"));
});

Deno.test("every event kind is documented in the README's audit trail table", async () => {
  const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
  const section = readme.slice(readme.indexOf("## Audit trail"), readme.indexOf("## Status page"));
  for (const kind of Object.keys(EVENT_KINDS)) {
    assert.match(section, new RegExp(`^\\| \`${kind.replace(/\./g, "\\.")}\` +\\|`, "m"), kind);
  }
});
