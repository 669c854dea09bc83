import { strictEqual as assertEquals } from "node:assert/strict";
import { renderEmbeddedSchema } from "./embed.ts";

Deno.test("schema_generated.ts embeds the current .proto files", async () => {
  const dir = new URL("./", import.meta.url);
  const expected = await renderEmbeddedSchema(dir);
  const actual = await Deno.readTextFile(new URL("schema_generated.ts", dir));
  assertEquals(actual, expected, "run `deno task embed-proto`");
});
