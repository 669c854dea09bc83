import assert from "node:assert/strict";
import { loggableUrl, snapshotSourceProblem } from "./snapshot_source.ts";

Deno.test("loggableUrl() leaves the download token out; a URL with a token is a valid source", () => {
  const url =
    "http://sched:12300/backups/20240101T000000000Z.db?t=0123456789abcdef0123456789abcdef";
  assert.equal(loggableUrl(url), "http://sched:12300/backups/20240101T000000000Z.db?…");
  assert.equal(loggableUrl("http://s/b.db"), "http://s/b.db");
  assert.equal(
    snapshotSourceProblem({ backupId: "20240101T000000000Z", url, sha256: "a".repeat(64) }),
    undefined,
  );
});
