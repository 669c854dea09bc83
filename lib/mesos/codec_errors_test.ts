import { deepStrictEqual as assertEquals, strictEqual } from "node:assert/strict";
import { CodecError, NotInitializedError } from "./codec_errors.ts";

Deno.test("NotInitializedError is a CodecError listing every missing path", () => {
  const err = new NotInitializedError(["a.b", "c"]);
  strictEqual(err instanceof CodecError, true);
  strictEqual(err.name, "NotInitializedError");
  strictEqual(err.message, "Not initialized: a.b, c");
  assertEquals(err.paths, ["a.b", "c"]);
});
