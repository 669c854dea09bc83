import assert from "node:assert/strict";
import { walPresent } from "./wal.ts";

Deno.test("walPresent() is true only with a .wal file under member/wal", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.equal(walPresent(dir), false, "no member dir");
    await Deno.mkdir(`${dir}/member/wal`, { recursive: true });
    assert.equal(walPresent(dir), false, "empty wal dir");
    await Deno.writeTextFile(`${dir}/member/wal/0.tmp`, "");
    assert.equal(walPresent(dir), false, "only a temp file");
    await Deno.writeTextFile(`${dir}/member/wal/0000000000000000-0000000000000000.wal`, "x");
    assert.equal(walPresent(dir), true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
