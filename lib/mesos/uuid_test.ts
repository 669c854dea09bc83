import assert from "node:assert/strict";
import { randomUuidBytes, sameBytes, uuidFromText, uuidToText } from "./uuid.ts";
import { base64ToBytes } from "./base64.ts";

Deno.test("randomUuidBytes() sets the version 4 and RFC 4122 variant bits", () => {
  const ones = randomUuidBytes((b) => b.fill(0xff));
  assert.equal(ones.length, 16);
  assert.equal(ones[6], 0x4f);
  assert.equal(ones[8], 0xbf);
  const zeros = randomUuidBytes((b) => b.fill(0));
  assert.equal(uuidToText(zeros), "00000000-0000-4000-8000-000000000000");
});

Deno.test("randomUuidBytes() gives different values on each call by default", () => {
  assert.ok(!sameBytes(randomUuidBytes(), randomUuidBytes()));
});

Deno.test("uuidToText() and uuidFromText() round-trip a captured Mesos status uuid", () => {
  const bytes = base64ToBytes("OMglCeckR82Hz1eKtMrPFA==");
  const text = uuidToText(bytes);
  assert.equal(text, "38c82509-e724-47cd-87cf-578ab4cacf14");
  assert.ok(sameBytes(uuidFromText(text.toUpperCase()), bytes));
});

Deno.test("uuidFromText() names the bad text", () => {
  assert.throws(() => uuidFromText("not-a-uuid"), { name: "TypeError", message: /"not-a-uuid"/ });
});

Deno.test("uuidToText() rejects a wrong length", () => {
  assert.throws(() => uuidToText(new Uint8Array(5)), { name: "RangeError", message: /5 bytes/ });
});

Deno.test("sameBytes() compares contents and lengths", () => {
  assert.ok(sameBytes(new Uint8Array([1, 2]), new Uint8Array([1, 2])));
  assert.ok(!sameBytes(new Uint8Array([1, 2]), new Uint8Array([1, 3])));
  assert.ok(!sameBytes(new Uint8Array([1]), new Uint8Array([1, 2])));
  assert.ok(!sameBytes(undefined, new Uint8Array([1])));
});
