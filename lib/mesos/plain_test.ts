import { strictEqual, throws as assertThrows } from "node:assert/strict";
import { asArray, FLOAT_TYPES, INT32_TYPES, INT64_TYPES } from "./plain.ts";

Deno.test("asArray() passes arrays and names the path of anything else", () => {
  const items = [1, 2];
  strictEqual(asArray(items, "x.y"), items);
  assertThrows(() => asArray({}, "Call.offer_ids"), /Expected an array at Call\.offer_ids/);
});

Deno.test("the field kinds do not overlap", () => {
  for (const t of INT64_TYPES) strictEqual(INT32_TYPES.has(t) || FLOAT_TYPES.has(t), false);
  strictEqual(INT64_TYPES.has("uint64") && INT32_TYPES.has("fixed32"), true);
  strictEqual(FLOAT_TYPES.has("double"), true);
});
