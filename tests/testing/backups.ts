/**
 * Backup and restore steps of end-to-end tests, through the scheduler's admin API: a
 * temporary backup store, `POST /backups`, `POST /restore` and the wait for it to finish.
 * Test-only.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { BackupRecord } from "../../lib/backup/record.ts";
import { until } from "../../lib/until.ts";
import type { AdminClient } from "./admin.ts";

/** Runs `fn` with a new temporary directory for a backup store, removed afterwards. */
export async function withStoreDir<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** `POST /backups` with the admin token: a backup taken (201); its record. */
export async function takeBackup(admin: AdminClient, token: string): Promise<BackupRecord> {
  const taken = await fetch(`${admin.url}/backups`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(taken.status, 201, await taken.clone().text());
  return await taken.json();
}

/** `POST /restore` of backup `id` with the admin token, accepted (202); the answer's text. */
export async function startRestore(admin: AdminClient, token: string, id: string): Promise<string> {
  const restore = await fetch(`${admin.url}/restore`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: JSON.stringify({ backup: id }),
  });
  const answer = await restore.text();
  assert.equal(restore.status, 202, answer);
  return answer;
}

/** Waits (up to 2 minutes) until the scheduler counts its first finished restore. */
export async function firstRestoreDone(admin: AdminClient): Promise<void> {
  await until(async () => /^etcd_mesos_restores_total 1$/m.test(await admin.metrics()), {
    timeoutMs: 120_000,
    what: "the restore to finish",
  });
}
