import assert from "node:assert/strict";
import { concatBytes } from "./bytes.ts";

Deno.test("concatBytes() joins parts into a new array", () => {
  const a = new Uint8Array([1, 2]);
  const joined = concatBytes(a, new Uint8Array(0), new Uint8Array([3]));
  assert.deepEqual([...joined], [1, 2, 3]);
  assert.notEqual(concatBytes(a), a);
  assert.equal(concatBytes().length, 0);
});
