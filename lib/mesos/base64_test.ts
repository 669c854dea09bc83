import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { base64ToBytes, bytesToBase64 } from "./base64.ts";

Deno.test("bytesToBase64() and base64ToBytes() round-trip standard padded base64", () => {
  const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7) & 0xff);
  assertEquals(base64ToBytes(bytesToBase64(bytes)), bytes);
  assertEquals(bytesToBase64(new Uint8Array([0xfb, 0xff])), "+/8=");
});

Deno.test("base64ToBytes() names the field and the bad character or length", () => {
  assertThrows(
    () => base64ToBytes("ab_c", "uuid"),
    /Failed to base64 decode bytes field 'uuid': Invalid character '_'/,
  );
  assertThrows(() => base64ToBytes("abc=="), /field 'bytes': Invalid length/);
});
