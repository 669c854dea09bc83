/**
 * Which backups to delete under `--backup-keep=N` (pure): the newest N stay, and so does
 * the newest verified backup wherever it is, so a run of failed drills never deletes the
 * last backup known to restore.
 *
 * @module
 */
import { type BackupRecord, newestFirst } from "./record.ts";

/**
 * The ids to delete from `records` keeping `keep` (at least 1).
 *
 * @throws {RangeError} naming `keep` when it is not a positive integer.
 */
export function backupsToDelete(records: readonly BackupRecord[], keep: number): string[] {
  if (!Number.isSafeInteger(keep) || keep < 1) {
    throw new RangeError(`Cannot keep ${keep} backups: expected an integer >= 1`);
  }
  const sorted = newestFirst(records);
  const newestVerified = sorted.find((r) => r.verified)?.id;
  return sorted.slice(keep).filter((r) => r.id !== newestVerified).map((r) => r.id);
}
