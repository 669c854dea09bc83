import assert from "node:assert/strict";
import { formatTaskId, memberIndex, memberName, parseTaskId, tryParseTaskId } from "./task_id.ts";

Deno.test("formatTaskId() writes the original's space-separated layout", () => {
  const id = formatTaskId({ name: "etcd-3", host: "10.0.0.7", peerPort: 31000, clientPort: 31005 });
  assert.equal(id, "etcd-3 10.0.0.7 31000 31005");
});

Deno.test("parseTaskId() inverts formatTaskId()", () => {
  const parts = { name: "etcd-12", host: "agent-1.example.com", peerPort: 2380, clientPort: 2379 };
  assert.deepEqual(parseTaskId(formatTaskId(parts)), parts);
});

Deno.test("parseTaskId() accepts the original's five-part ids", () => {
  assert.deepEqual(parseTaskId("etcd-1458917325 10.0.0.1 31000 31001 31002"), {
    name: "etcd-1458917325",
    host: "10.0.0.1",
    peerPort: 31000,
    clientPort: 31001,
  });
});

Deno.test("formatTaskId() writes a relaunch's incarnation as a fifth part that parseTaskId() reads", () => {
  const parts = { name: "etcd-2", host: "h", peerPort: 31000, clientPort: 31001, incarnation: 3 };
  assert.equal(formatTaskId(parts), "etcd-2 h 31000 31001 r3");
  assert.deepEqual(parseTaskId("etcd-2 h 31000 31001 r3"), parts);
  assert.equal(formatTaskId({ ...parts, incarnation: 0 }), "etcd-2 h 31000 31001");
});

const badIds = [
  "",
  "etcd-1",
  "etcd-1 host 31000",
  "etcd-1 host 31000 x",
  "etcd-1 host 0 31001",
  "etcd-1 host 31000 70000",
  "etcd-1  host 31000 31001",
  "etcd-1 host 31000 31001 31002 31003",
  "etcd-1 host 31000 31001 nope",
  "etcd/1 host 31000 31001",
];
for (const id of badIds) {
  Deno.test(`parseTaskId() rejects ${JSON.stringify(id)}, naming it`, () => {
    assert.throws(() => parseTaskId(id), (e: unknown) => {
      assert.ok(e instanceof RangeError);
      assert.ok(e.message.includes(JSON.stringify(id)));
      return true;
    });
    assert.equal(tryParseTaskId(id), undefined);
  });
}

Deno.test("formatTaskId() rejects a host with a space and a port out of range", () => {
  assert.throws(
    () => formatTaskId({ name: "etcd-1", host: "a b", peerPort: 1, clientPort: 2 }),
    /host "a b"/,
  );
  assert.throws(
    () => formatTaskId({ name: "etcd-1", host: "h", peerPort: 1, clientPort: 65536 }),
    /client port 65536/,
  );
});

Deno.test("memberName() and memberIndex() round-trip; foreign names give undefined", () => {
  assert.equal(memberName(7), "etcd-7");
  assert.equal(memberIndex("etcd-7"), 7);
  assert.equal(memberIndex("infra0"), undefined);
  assert.equal(memberIndex(""), undefined);
});
