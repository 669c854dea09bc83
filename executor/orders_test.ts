import assert from "node:assert/strict";
import {
  encodeMaintenanceOrder,
  encodeMaintenanceOutcome,
  type MaintenanceOutcome,
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
