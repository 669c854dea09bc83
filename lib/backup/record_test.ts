import assert from "node:assert/strict";
import { backupId, checkBackupId, isBackupId, newestFirst, parseBackupRecord } from "./record.ts";

Deno.test("backupId() is the UTC time to the millisecond and sorts by it", () => {
  const a = backupId(Date.UTC(2024, 0, 2, 3, 4, 5, 6));
  assert.equal(a, "20240102T030405006Z");
  assert.ok(isBackupId(a));
  assert.ok(backupId(Date.UTC(2024, 0, 2, 3, 4, 6)) > a);
});

Deno.test("checkBackupId() names a value that is not an id", () => {
  assert.throws(() => checkBackupId("latest"), /Cannot use backup id "latest"/);
  assert.equal(checkBackupId("20240102T030405006Z"), "20240102T030405006Z");
});

Deno.test("parseBackupRecord() names the bad field", () => {
  const good = {
    id: "20240102T030405006Z",
    time: "2024-01-02T03:04:05.006Z",
    revision: "17",
    keys: 4,
    size: 20480,
    sha256: "a".repeat(64),
    verified: true,
    drill_ms: 800,
    duration_ms: 30,
  };
  assert.deepEqual(parseBackupRecord(JSON.stringify(good), "x"), good);
  assert.throws(
    () => parseBackupRecord(JSON.stringify({ ...good, sha256: "zz" }), "s3://b/p/x.json"),
    /Cannot parse backup record s3:\/\/b\/p\/x\.json: field "sha256" "zz"/,
  );
  const older = { ...good, id: "20240101T000000000Z" };
  assert.deepEqual(newestFirst([older, good]).map((r) => r.id), [good.id, older.id]);
});
