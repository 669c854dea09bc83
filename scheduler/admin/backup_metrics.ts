/**
 * The backup and restore metrics of `/metrics` (Prometheus text, format 0.0.4).
 *
 * @module
 */

/** What the backup service and the core report. */
export interface BackupMetrics {
  /** Backups committed since the scheduler started. */
  backups_total: number;
  /** Backups that failed (no snapshot committed). */
  backup_failures_total: number;
  /** Committed backups whose restore drill failed. */
  backup_drill_failures_total: number;
  /** 1 while a backup is being taken. */
  backup_running: number;
  /** End of the last successful backup, seconds since the epoch (absent: none yet). */
  backup_last_success_timestamp_seconds?: number;
  /** Seconds since then. */
  backup_age_seconds?: number;
  /** Bytes of the last backup. */
  backup_last_size_bytes?: number;
  /** Seconds the last snapshot transfer took. */
  backup_last_duration_seconds?: number;
  /** Seconds the last restore drill took. */
  backup_last_drill_seconds?: number;
  /** 1 when the last backup's drill passed. */
  backup_last_verified?: number;
  /** Restores finished (in place and seeded). */
  restores_total: number;
  /** 1 while a restore runs. */
  restoring: number;
  /** 1 while the last restore's failure stands. */
  restore_failed: number;
}

const COUNTERS = new Set([
  "backups_total",
  "backup_failures_total",
  "backup_drill_failures_total",
  "restores_total",
]);

const HELP: Record<keyof BackupMetrics, string> = {
  backups_total: "Backups committed to the store.",
  backup_failures_total: "Backups that failed before being committed.",
  backup_drill_failures_total: "Committed backups whose restore drill failed (unverified).",
  backup_running: "1 while a backup is being taken.",
  backup_last_success_timestamp_seconds: "When the last backup was committed.",
  backup_age_seconds: "Seconds since the last backup was committed.",
  backup_last_size_bytes: "Size of the last backup.",
  backup_last_duration_seconds: "Seconds the last snapshot transfer took.",
  backup_last_drill_seconds: "Seconds the last restore drill took.",
  backup_last_verified: "1 when the last backup's restore drill passed.",
  restores_total: "Restores from backups finished.",
  restoring: "1 while a restore from a backup runs.",
  restore_failed: "1 while the last restore's failure stands (see /healthz).",
};

/** Formats `m` (names prefixed with `prefix`; counters already end in `_total`). */
export function formatBackupMetrics(m: BackupMetrics, prefix = "etcd_mesos_"): string {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(m) as [keyof BackupMetrics, number | undefined][]) {
    if (value === undefined) continue;
    const name = `${prefix}${key}`;
    lines.push(`# HELP ${name} ${HELP[key]}`);
    lines.push(`# TYPE ${name} ${COUNTERS.has(key) ? "counter" : "gauge"}`);
    lines.push(`${name} ${value}`);
  }
  return lines.length === 0 ? "" : lines.join("\n") + "\n";
}
