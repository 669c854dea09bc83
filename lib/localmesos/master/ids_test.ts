import assert from "node:assert/strict";
import { IdMinter, invalidIdReason } from "./ids.ts";

Deno.test("IdMinter mints Mesos-shaped framework, agent and offer ids", () => {
  const ids = new IdMinter("m");
  assert.deepEqual([ids.framework(), ids.framework()], ["m-0000", "m-0001"]);
  assert.deepEqual([ids.agent(), ids.offer(), ids.offer()], ["m-S0", "m-O0", "m-O1"]);
});

Deno.test("invalidIdReason() applies Mesos' id rules", () => {
  assert.equal(invalidIdReason("etcd-1.a_b"), undefined);
  assert.equal(invalidIdReason(""), "ID must not be empty");
  assert.equal(invalidIdReason("x".repeat(256)), "ID must not be greater than 255 characters");
  assert.equal(invalidIdReason("x".repeat(255)), undefined);
  assert.equal(invalidIdReason("."), "'.' and '..' are reserved");
  assert.equal(invalidIdReason(".."), "'.' and '..' are reserved");
  assert.equal(invalidIdReason("a/b"), "'/' is not allowed");
  assert.equal(invalidIdReason("a\\b"), "'\\' is not allowed");
  assert.equal(invalidIdReason("a\nb"), "Control characters are not allowed");
});
