/**
 * One backup as a store lists it: the record written next to the snapshot object when the
 * backup is committed (the commit point), and the backup id.
 *
 * @module
 */

/** What is known about one committed backup (the `GET /backups` entry). */
export interface BackupRecord {
  /** `YYYYMMDDTHHMMSSmmmZ` (UTC, when the snapshot began): sorts by time; safe in file names. */
  id: string;
  /** When the snapshot was taken, ISO 8601. */
  time: string;
  /** The etcd revision the snapshot holds (its newest key revision), decimal. */
  revision: string;
  /** Keys the restored snapshot serves (counted by the restore drill); null when unknown. */
  keys: number | null;
  /**
   * Bytes of the snapshot (etcd's db with its SHA-256 trailer); of an encrypted backup, the
   * decrypted snapshot (what executors download).
   */
  size: number;
  /**
   * Hex SHA-256 of the snapshot (what `sha256sum` prints for the file executors download
   * from the scheduler); of an encrypted backup, of the decrypted snapshot.
   */
  sha256: string;
  /** Stored encrypted (`--backup-encryption-key-file`; lib/backup/encryption.ts). */
  encrypted?: boolean;
  /** The id of the key it was encrypted with (not secret: SHA-256 of the key, 8 bytes). */
  key_id?: string;
  /** Bytes of the stored (encrypted) object. */
  stored_size?: number;
  /** The restore drill restored it, started etcd on it and found the revision it should. */
  verified: boolean;
  /** How long the drill took, ms; null when no drill ran. */
  drill_ms: number | null;
  /** Why the drill failed, when it did. */
  drill_error?: string;
  /** How long taking the snapshot took, ms. */
  duration_ms: number;
  /** The member the snapshot came from (client URL). */
  source?: string;
}

const ID = /^[0-9]{8}T[0-9]{9}Z$/;

/** The id of a backup begun at `time` (ms since the epoch). */
export function backupId(time: number): string {
  const iso = new Date(time).toISOString(); // 2024-01-02T03:04:05.678Z
  return iso.replace(/[-:]/g, "").replace(".", "");
}

/** True when `id` has the form {@linkcode backupId} makes (checked before it names a file). */
export function isBackupId(id: string): boolean {
  return ID.test(id);
}

/**
 * Checks a backup id given from outside (an admin request, a flag).
 *
 * @throws {RangeError} naming the value when it is not an id.
 */
export function checkBackupId(id: string): string {
  if (!isBackupId(id)) {
    throw new RangeError(
      `Cannot use backup id ${JSON.stringify(id)}: expected YYYYMMDDTHHMMSSmmmZ`,
    );
  }
  return id;
}

/**
 * Parses a stored record.
 *
 * @throws {TypeError} naming `what` and the field when it is not a record.
 */
export function parseBackupRecord(text: string, what: string): BackupRecord {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text);
  } catch {
    throw new TypeError(`Cannot parse backup record ${what}: not JSON`);
  }
  const bad = (field: string) =>
    new TypeError(
      `Cannot parse backup record ${what}: field "${field}" ${JSON.stringify(v?.[field])}`,
    );
  if (v === null || typeof v !== "object") {
    throw new TypeError(`Cannot parse ${what}: not an object`);
  }
  if (typeof v.id !== "string" || !isBackupId(v.id)) throw bad("id");
  if (typeof v.time !== "string" || Number.isNaN(Date.parse(v.time))) throw bad("time");
  if (typeof v.revision !== "string" || !/^[0-9]+$/.test(v.revision)) throw bad("revision");
  if (v.keys !== null && !Number.isSafeInteger(v.keys)) throw bad("keys");
  if (!Number.isSafeInteger(v.size) || (v.size as number) < 0) throw bad("size");
  if (typeof v.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(v.sha256)) throw bad("sha256");
  if (typeof v.verified !== "boolean") throw bad("verified");
  if (v.drill_ms !== null && typeof v.drill_ms !== "number") throw bad("drill_ms");
  if (typeof v.duration_ms !== "number") throw bad("duration_ms");
  if (v.encrypted !== undefined && typeof v.encrypted !== "boolean") throw bad("encrypted");
  if (v.encrypted === true && (typeof v.key_id !== "string" || !/^[0-9a-f]{16}$/.test(v.key_id))) {
    throw bad("key_id");
  }
  return v as unknown as BackupRecord;
}

/** Newest first (ids sort by time). */
export function newestFirst(records: readonly BackupRecord[]): BackupRecord[] {
  return [...records].sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}
