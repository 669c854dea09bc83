/**
 * The scheduler's backup service (I/O, beside the core): takes a backup every
 * `--backup-interval` and on `POST /backups` (one at a time) from a healthy member, commits
 * it with its restore drill (lib/backup/backup_job.ts), prunes to `--backup-keep` (the
 * newest verified one always stays), tells the core the newest verified backup (for an
 * automatic restore), and keeps the numbers `/metrics` shows. A failed drill is a WARN and
 * a metric; a failed backup is a WARN, a metric, and a retry within five minutes.
 *
 * @module
 */
import { takeBackup } from "../lib/backup/backup_job.ts";
import type { BackupRecord } from "../lib/backup/record.ts";
import { backupsToDelete } from "../lib/backup/retention.ts";
import type { BackupStore } from "../lib/backup/store.ts";
import type { BackupKey } from "../lib/backup/encryption.ts";
import type { TlsMaterial } from "../lib/tls/files.ts";
import { type Clock, systemClock } from "../lib/clock.ts";
import { type Logger, silentLogger } from "../lib/log.ts";
import { BackupBusyError } from "./admin/backup_routes.ts";
import type { BackupRef } from "./core/restore_run.ts";

/** Options of {@linkcode BackupService}. */
export interface BackupServiceOptions {
  store: BackupStore;
  /** Scratch space (a snapshot copy and the drill's data dir). */
  scratchDir: string;
  /** etcd for the drill (the binary agents get). */
  etcd: string;
  etcdctl: string;
  /** The scheduler's TLS identity towards etcd under `--tls`. */
  tls?: () => TlsMaterial;
  /** Between scheduled backups; 0: none scheduled. */
  intervalMs: number;
  /** `--backup-keep`. */
  keep: number;
  /** The client URL of a healthy member to snapshot, or undefined when there is none. */
  source(): string | undefined;
  /** Where executors download backup `id` (the artifact server). */
  snapshotUrl(id: string, record: BackupRecord): string;
  /** Encrypt new backups with this key (`--backup-encryption-key-file`). */
  encryption?: BackupKey;
  /** False for a backup this scheduler cannot restore (encrypted with a key it lacks). */
  restorable?(record: BackupRecord): boolean;
  /** Told the newest verified backup whenever the listing is read. */
  onLatest?(ref: BackupRef | undefined): void;
  clock?: Clock;
  logger?: Logger;
}

/** How soon a failed or skipped scheduled backup is tried again (at most). */
export const RETRY_MS = 300_000;

/** The backup service (see the module doc). */
export class BackupService {
  readonly #o: BackupServiceOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  #timer: number | undefined;
  #running: { since: number; done: Promise<BackupRecord> } | undefined;
  #stopped = false;
  #taken = 0;
  #failures = 0;
  #drillFailures = 0;
  #last: { at: number; record: BackupRecord } | undefined;

  /** A service that does nothing until {@linkcode BackupService.start}. */
  constructor(options: BackupServiceOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#log = (options.logger ?? silentLogger).child({ component: "backups" });
  }

  /** The store's URL. */
  get storeUrl(): string {
    return this.#o.store.url;
  }

  /** Reads the listing once (tells the core what is there) and schedules backups. */
  start(): void {
    void this.list().catch((error) =>
      this.#log.warn("cannot list backups", { store: this.storeUrl, error })
    );
    if (this.#o.intervalMs > 0) this.#schedule(this.#o.intervalMs);
  }

  /** Stops scheduling and waits for a backup in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running?.done.catch(() => {});
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      void this.#scheduled();
    }, ms);
  }

  async #scheduled(): Promise<void> {
    if (this.#o.source() === undefined) {
      this.#log.info("no healthy member to back up; trying again later");
      return this.#schedule(Math.min(this.#o.intervalMs, RETRY_MS));
    }
    try {
      await this.take();
      this.#schedule(this.#o.intervalMs);
    } catch (error) {
      if (!(error instanceof BackupBusyError)) {
        this.#schedule(Math.min(this.#o.intervalMs, RETRY_MS));
      }
    }
  }

  /**
   * Takes a backup now from {@linkcode BackupServiceOptions.source}.
   *
   * @throws {BackupBusyError} while another is being taken.
   * @throws {Error} when there is no healthy member, or the backup failed (counted, logged).
   */
  take(): Promise<BackupRecord> {
    if (this.#running !== undefined) {
      return Promise.reject(new BackupBusyError(this.#running.since));
    }
    const since = this.#clock.now();
    const done = this.#take();
    this.#running = { since, done };
    return done.finally(() => this.#running = undefined);
  }

  async #take(): Promise<BackupRecord> {
    const endpoint = this.#o.source();
    if (endpoint === undefined) {
      this.#failures++;
      throw new Error("no healthy member to take a snapshot from");
    }
    this.#log.info("taking a backup", { from: endpoint, store: this.storeUrl });
    let record: BackupRecord;
    try {
      record = await takeBackup({
        endpoint,
        store: this.#o.store,
        scratchDir: this.#o.scratchDir,
        etcd: this.#o.etcd,
        etcdctl: this.#o.etcdctl,
        ...(this.#o.tls ? { tls: this.#o.tls } : {}),
        ...(this.#o.encryption ? { encryption: this.#o.encryption } : {}),
        now: () => this.#clock.now(),
      });
    } catch (error) {
      this.#failures++;
      this.#log.warn("BACKUP FAILED", { from: endpoint, store: this.storeUrl, error });
      throw error;
    }
    this.#taken++;
    this.#last = { at: this.#clock.now(), record };
    const fields = {
      backup: record.id,
      revision: record.revision,
      keys: record.keys ?? undefined,
      bytes: record.size,
      snapshotMs: record.duration_ms,
      drillMs: record.drill_ms ?? undefined,
    };
    if (record.verified) this.#log.info("backup committed and verified", fields);
    else {
      this.#drillFailures++;
      this.#log.warn("RESTORE DRILL FAILED: backup committed unverified", {
        ...fields,
        reason: record.drill_error,
      });
    }
    await this.#prune().catch((error) => this.#log.warn("pruning backups failed", { error }));
    return record;
  }

  async #prune(): Promise<void> {
    const all = await this.list();
    for (const id of backupsToDelete(all, this.#o.keep)) {
      await this.#o.store.remove(id);
      this.#log.info("backup deleted (--backup-keep)", { backup: id, keep: this.#o.keep });
    }
    if (all.length > this.#o.keep) await this.list();
  }

  /**
   * Every committed backup, newest first (and tells the core the newest verified one it can
   * restore).
   */
  async list(): Promise<BackupRecord[]> {
    const all = await this.#o.store.list();
    const latest = all.find((r) => r.verified && (this.#o.restorable?.(r) ?? true));
    this.#o.onLatest?.(latest === undefined ? undefined : this.refOf(latest));
    return all;
  }

  /** The committed backup `id`, if any. */
  async find(id: string): Promise<BackupRecord | undefined> {
    return (await this.#o.store.list()).find((r) => r.id === id);
  }

  /** What the core needs to know of `record`. */
  refOf(record: BackupRecord): BackupRef {
    return {
      id: record.id,
      url: this.#o.snapshotUrl(record.id, record),
      sha256: record.sha256,
      revision: record.revision,
      verified: record.verified,
    };
  }

  /** The numbers of `/metrics` (the restore ones are the core's; zero here). */
  metrics() {
    const last = this.#last;
    const now = this.#clock.now();
    return {
      backups_total: this.#taken,
      backup_failures_total: this.#failures,
      backup_drill_failures_total: this.#drillFailures,
      backup_running: this.#running === undefined ? 0 : 1,
      ...(last === undefined ? {} : {
        backup_last_success_timestamp_seconds: Math.floor(last.at / 1000),
        backup_age_seconds: Math.max(0, Math.floor((now - last.at) / 1000)),
        backup_last_size_bytes: last.record.size,
        backup_last_duration_seconds: last.record.duration_ms / 1000,
        ...(last.record.drill_ms === null
          ? {}
          : { backup_last_drill_seconds: last.record.drill_ms / 1000 }),
        backup_last_verified: last.record.verified ? 1 : 0,
      }),
    };
  }
}
