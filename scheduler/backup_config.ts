/**
 * The scheduler's backup and restore flags (`--backup-*`, `--auto-restore`,
 * `--restore-from`): their specs (added to config_specs.ts), their part of the
 * configuration, and the checks across them. Pure.
 *
 * @module
 */
import { parseStoreUrl } from "../lib/backup/store.ts";
import { isBackupId } from "../lib/backup/record.ts";
import {
  badValue,
  ConfigError,
  type FlagSpec,
  parseBool,
  parseDuration,
  parseIntIn,
} from "../lib/flags.ts";

/** Backups and restores as configured. Durations in ms. */
export interface BackupConfig {
  /** `file:///DIR` or `s3://BUCKET/PREFIX`; unset: no backups. */
  store?: string;
  /** S3 endpoint override, `http(s)://host[:port]` (path-style addressing). */
  s3Endpoint?: string;
  s3Region: string;
  /** Between two backups; 0: only on `POST /backups`. Default 30 min with a store. */
  intervalMs: number;
  /** Backups kept (the newest verified one is always kept too). */
  keep: number;
  /** Scratch space for the snapshot copy and the restore drill. */
  scratchDir?: string;
  /** Restore from the newest verified backup after total loss; default on with a store. */
  autoRestore?: boolean;
  /** `--restore-from`: seed a brand-new framework's first cluster from this store. */
  restoreFrom?: { store: string; id?: string };
  /** `--backup-encryption-key-file`: encrypt new backups with this key (and decrypt). */
  encryptionKeyFile?: string;
  /** `--backup-decryption-key-files`: older keys, to decrypt backups taken before a rotation. */
  decryptionKeyFiles?: string[];
}

/** The defaults (before flags). */
export function defaultBackupConfig(): BackupConfig {
  return { s3Region: "us-east-1", intervalMs: 30 * 60_000, keep: 24 };
}

function storeUrl(flag: string, value: string): string {
  try {
    parseStoreUrl(value);
  } catch {
    throw badValue(flag, value, "file:///DIR or s3://BUCKET/PREFIX");
  }
  return value;
}

/** The flag specs, in `--help` order. */
export function backupFlagSpecs<C extends { backup: BackupConfig }>(): FlagSpec<C>[] {
  return [
    {
      name: "backup-store",
      def: "",
      env: ["BACKUP_STORE"],
      help:
        "where backups go: file:///DIR or s3://BUCKET/PREFIX (credentials: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN)",
      apply: (c, v, f) => c.backup.store = storeUrl(f, v),
    },
    {
      name: "backup-s3-endpoint",
      def: "https://s3.<region>.amazonaws.com",
      env: ["BACKUP_S3_ENDPOINT"],
      help: "S3-compatible endpoint http(s)://host[:port] (path-style addressing)",
      apply: (c, v, f) => {
        if (!/^https?:\/\/[^/?#\s]+\/?$/.test(v)) throw badValue(f, v, "http(s)://host[:port]");
        c.backup.s3Endpoint = v;
      },
    },
    {
      name: "backup-s3-region",
      def: "us-east-1",
      env: ["BACKUP_S3_REGION", "AWS_REGION"],
      help: "S3 region (signing scope)",
      apply: (c, v, f) => {
        if (!/^[a-z0-9-]+$/.test(v)) throw badValue(f, v, "a region name like us-east-1");
        c.backup.s3Region = v;
      },
    },
    {
      name: "backup-interval",
      def: "30m",
      env: ["BACKUP_INTERVAL"],
      help: "time between backups when --backup-store is set; 0: only on POST /backups",
      apply: (c, v, f) => c.backup.intervalMs = parseDuration(f, v, true),
    },
    {
      name: "backup-keep",
      def: "24",
      env: ["BACKUP_KEEP"],
      help: "backups kept; the newest verified backup is always kept as well",
      apply: (c, v, f) => c.backup.keep = parseIntIn(f, v, 1, 100_000),
    },
    {
      name: "backup-scratch-dir",
      def: "(temp dir)",
      help: "scratch space for a snapshot copy and the restore drill (one db size)",
      apply: (c, v, f) => {
        if (!v.startsWith("/")) throw badValue(f, v, "an absolute path");
        c.backup.scratchDir = v;
      },
    },
    {
      name: "backup-encryption-key-file",
      def: "",
      env: ["BACKUP_ENCRYPTION_KEY_FILE"],
      help:
        "encrypt backups client-side (AES-256-GCM) with the key in this file: 64 hex characters (openssl rand -hex 32) or 32 raw bytes",
      apply: (c, v, f) => {
        if (!v.startsWith("/")) throw badValue(f, v, "an absolute path");
        c.backup.encryptionKeyFile = v;
      },
    },
    {
      name: "backup-decryption-key-files",
      def: "",
      env: ["BACKUP_DECRYPTION_KEY_FILES"],
      help:
        "PATH[,PATH]: older keys (same format), to restore backups encrypted before a key rotation",
      apply: (c, v, f) => {
        const paths = v.split(",").filter((p) => p !== "");
        const bad = paths.find((p) => !p.startsWith("/"));
        if (bad !== undefined || paths.length === 0) {
          throw badValue(f, v, "absolute paths separated by commas");
        }
        c.backup.decryptionKeyFiles = paths;
      },
    },
    {
      name: "auto-restore",
      def: "true with --backup-store",
      env: ["AUTO_RESTORE"],
      bool: true,
      help:
        "after total loss (no member left) for --reseed-timeout, restore from the newest verified backup",
      apply: (c, v, f) => c.backup.autoRestore = parseBool(f, v),
    },
    {
      name: "restore-from",
      def: "",
      env: ["RESTORE_FROM"],
      help:
        "STORE[#ID]: a brand-new framework seeds its first cluster from this backup (default the newest verified)",
      apply: (c, v, f) => {
        const hash = v.indexOf("#");
        const store = hash < 0 ? v : v.slice(0, hash);
        const id = hash < 0 ? undefined : v.slice(hash + 1);
        storeUrl(f, store);
        if (id !== undefined && !isBackupId(id)) {
          throw badValue(f, v, "STORE#YYYYMMDDTHHMMSSmmmZ (a backup id)");
        }
        c.backup.restoreFrom = id === undefined ? { store } : { store, id };
      },
    },
  ];
}

/**
 * Settles what depends on other flags: `--auto-restore` defaults to on with a store.
 *
 * @throws {ConfigError} naming `--auto-restore` when it is on without `--backup-store`.
 */
export function settleBackupConfig(b: BackupConfig): void {
  if (b.autoRestore === true && b.store === undefined) {
    throw new ConfigError(
      "--auto-restore",
      "true",
      "--auto-restore needs --backup-store (the store to restore from)",
    );
  }
  b.autoRestore ??= b.store !== undefined;
  if (b.encryptionKeyFile !== undefined && b.store === undefined) {
    throw new ConfigError(
      "--backup-encryption-key-file",
      b.encryptionKeyFile,
      "--backup-encryption-key-file needs --backup-store (the backups it encrypts)",
    );
  }
}
