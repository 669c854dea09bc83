import assert from "node:assert/strict";
import { durationMs } from "./etcd_task.ts";

Deno.test("durationMs() converts a DurationInfo and ignores absent, negative or huge ones", () => {
  assert.equal(durationMs({ nanoseconds: 7e9 }), 7000);
  assert.equal(durationMs({ nanoseconds: 1_500_000n }), 1.5);
  assert.equal(durationMs(undefined), undefined);
  assert.equal(durationMs({ nanoseconds: -1 }), undefined);
  assert.equal(durationMs({ nanoseconds: Infinity }), undefined);
});
