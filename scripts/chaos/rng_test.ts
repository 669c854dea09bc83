import assert from "node:assert/strict";
import { createRng } from "./rng.ts";

Deno.test("the same seed replays the same choices; another seed differs", () => {
  const a = createRng(42), b = createRng(42), c = createRng(43);
  const seq = (r: typeof a) => Array.from({ length: 8 }, () => r.int(1000));
  const sa = seq(a);
  assert.deepEqual(sa, seq(b));
  assert.notDeepEqual(sa, seq(c));
  assert.ok(sa.every((x) => x >= 0 && x < 1000));
});

Deno.test("shuffle keeps every element and a bad seed is named", () => {
  const r = createRng(7);
  assert.deepEqual(r.shuffle([1, 2, 3, 4, 5]).sort(), [1, 2, 3, 4, 5]);
  assert.throws(() => createRng(-1), /Seed -1/);
});
