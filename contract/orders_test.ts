import assert from "node:assert/strict";
import { OUTCOME_LABEL } from "./labels.ts";
import {
  encodeMaintenanceOrder,
  encodeMaintenanceOutcome,
  type MaintenanceOutcome,
  outcomeInStatus,
  parseMaintenanceOrder,
  parseMaintenanceOutcome,
} from "./orders.ts";

const text = (s: string) => new TextEncoder().encode(s);

Deno.test("maintenance orders round-trip and keep only known fields", () => {
  const order = { op: "reseed" as const, id: "r-1", taskId: "t1" };
  assert.deepEqual(parseMaintenanceOrder(encodeMaintenanceOrder(order)), order);
  assert.deepEqual(parseMaintenanceOrder(text(`{"op":"stop","extra":1}`)), { op: "stop" });
});

Deno.test("parseMaintenanceOrder() names what is wrong", () => {
  assert.throws(() => parseMaintenanceOrder(text(`{"op":"explode"}`)), /"op" "explode"/);
  assert.throws(() => parseMaintenanceOrder(text("ping")), /"ping": not JSON/);
  assert.throws(() => parseMaintenanceOrder(text(`[1]`)), /not an object/);
  assert.throws(() => parseMaintenanceOrder(text(`{"op":"stop","id":3}`)), /"id" 3/);
  assert.throws(() => parseMaintenanceOrder(new Uint8Array([0xff])), /not UTF-8/);
});

Deno.test("maintenance outcomes round-trip; other messages are rejected", () => {
  const outcome: MaintenanceOutcome = {
    kind: "outcome",
    op: "restart",
    taskId: "t1",
    ok: false,
    etcd: "stopped",
    message: "superseded",
  };
  assert.deepEqual(parseMaintenanceOutcome(encodeMaintenanceOutcome(outcome)), outcome);
  assert.throws(() => parseMaintenanceOutcome(text(`{"op":"stop"}`)), /missing fields/);
});

Deno.test("outcomeInStatus() reads a labelled update's data and ignores ordinary updates", () => {
  const outcome: MaintenanceOutcome = {
    kind: "outcome",
    op: "stop",
    id: "reseed-1-1",
    taskId: "t1",
    ok: true,
    etcd: "stopped",
    message: "etcd stopped",
  };
  const data = encodeMaintenanceOutcome(outcome);
  const base = { task_id: { value: "t1" }, state: "TASK_RUNNING" as const };
  const labels = { labels: [{ key: OUTCOME_LABEL.op, value: "stop" }] };
  assert.deepEqual(outcomeInStatus({ ...base, data, labels }), outcome);
  assert.equal(outcomeInStatus({ ...base, data }), undefined);
  assert.equal(outcomeInStatus({ ...base, labels }), undefined);
  assert.throws(() => outcomeInStatus({ ...base, data: text("{}"), labels }), /missing fields/);
});

Deno.test("parseMaintenanceOrder() reads a restore order with its target and names a bad one", () => {
  const restore = {
    backupId: "20240102T030405006Z",
    url: "http://sched:12300/backups/20240102T030405006Z.db",
    sha256: "ab".repeat(32),
    initialCluster: "etcd-1=http://a:1,etcd-2=http://b:2",
    clusterToken: "etcd-restore-1",
  };
  const bytes = encodeMaintenanceOrder({ op: "restore", id: "r1", taskId: "t", restore });
  assert.deepEqual(parseMaintenanceOrder(bytes), { op: "restore", id: "r1", taskId: "t", restore });
  const bad = new TextEncoder().encode(
    JSON.stringify({ op: "restore", restore: { ...restore, sha256: "x" } }),
  );
  assert.throws(() => parseMaintenanceOrder(bad), /"restore" .*expected a hex sha256/);
  const none = new TextEncoder().encode(JSON.stringify({ op: "restore" }));
  assert.throws(() => parseMaintenanceOrder(none), /"restore" undefined: expected an object/);
});
