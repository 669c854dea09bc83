import assert from "node:assert/strict";
import { backupsToDelete } from "./retention.ts";
import type { BackupRecord } from "./record.ts";

function rec(day: number, verified: boolean): BackupRecord {
  const id = `202401${String(day).padStart(2, "0")}T000000000Z`;
  return {
    id,
    time: "",
    revision: "1",
    keys: 0,
    size: 1,
    sha256: "",
    verified,
    drill_ms: 1,
    duration_ms: 1,
  };
}

Deno.test("backupsToDelete() keeps the newest N", () => {
  const all = [rec(1, true), rec(3, true), rec(2, true), rec(4, true)];
  assert.deepEqual(backupsToDelete(all, 2), [rec(2, true).id, rec(1, true).id]);
  assert.deepEqual(backupsToDelete(all, 4), []);
});

Deno.test("backupsToDelete() always keeps the newest verified backup", () => {
  const all = [rec(1, true), rec(2, true), rec(3, false), rec(4, false)];
  assert.deepEqual(backupsToDelete(all, 1), [rec(3, false).id, rec(1, true).id]);
  assert.deepEqual(backupsToDelete([rec(1, false), rec(2, false)], 1), [rec(1, false).id]);
});

Deno.test("backupsToDelete() names a bad keep", () => {
  assert.throws(() => backupsToDelete([], 0), /Cannot keep 0 backups/);
});
