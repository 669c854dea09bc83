/**
 * The state of restores from backups (plain data kept in the core's `State.restore`).
 *
 * Two ways a cluster comes back from a backup:
 * - **in place** (`RestoreRun`, an operator's `POST /restore` while members run): every
 *   member is fenced (`stop`), then each is told to `restore` the same snapshot as one
 *   member of a new cluster made of exactly those members (a new cluster token, so the old
 *   cluster's members can never talk to it), then a probe must find it healthy with all of
 *   them voting;
 * - **seeded** (`seed`): when no member is left (total loss, automatically after
 *   `--reseed-timeout` with `--auto-restore`, or by an operator), or for a brand-new
 *   framework with `--restore-from`, the first member is launched with the snapshot in its
 *   member config and restores it before etcd starts; the cluster then grows as usual.
 *
 * @module
 */
import type { SentOrder } from "./reseed_run.ts";

/** A backup the core can restore: what the shell tells it (from `GET /backups`). */
export interface BackupRef {
  id: string;
  /** Where executors download its snapshot (the scheduler's artifact server). */
  url: string;
  sha256: string;
  /** The revision it holds, decimal. */
  revision: string;
  /** Its restore drill passed. */
  verified: boolean;
}

/** The phase of an in-place restore. */
export type RestorePhase = "fencing" | "restoring";

/** An in-place restore in progress. */
export interface RestoreRun {
  /** `restore-<n>`: prefix of its order ids. */
  id: string;
  source: "admin";
  backup: BackupRef;
  startedAt: number;
  phase: RestorePhase;
  /** When the current phase began (its bound runs from here). */
  phaseAt: number;
  /** Task ids of the members being restored (the new cluster's members). */
  targets: string[];
  /** The restored cluster's `--initial-cluster-token`. */
  clusterToken: string;
  /** Every order sent, oldest first. */
  orders: SentOrder[];
  seq: number;
  /** When the last restore order was reported done (the healthy probe must be later). */
  lastOkAt?: number;
}

/** Everything the core knows about backups and restores. */
export interface RestoreState {
  /** The newest verified backup the shell reported (what an automatic restore uses). */
  latest?: BackupRef;
  /** Whether a total loss is restored automatically (`--auto-restore`). */
  autoRestore: boolean;
  /** The in-place restore running. */
  run?: RestoreRun;
  /** The next first-member launch restores this backup (a seeded restore). */
  seed?: BackupRef & { source: "admin" | "auto" | "restore-from"; at: number };
  /** Since when every member has been gone (the automatic restore's window). */
  lostSince?: number;
  /** The last restore that failed, and why (until the next one succeeds). */
  failed?: { at: number; reason: string };
  /** Restores finished (in place and seeded). */
  done: number;
  /** In-place restores started (numbers their ids). */
  started: number;
  /** When the last one finished, and from which backup. */
  last?: { at: number; backup: string };
}

/** Inputs about backups and restores (fed by the shell). */
export type RestoreInput =
  /** What the store holds: the newest verified backup (after each backup, and at start). */
  | { type: "backups"; latest?: BackupRef; autoRestore: boolean }
  /**
   * Restore `backup`: an operator's `POST /restore` (answered with `adminReply`), or
   * `--restore-from` for a brand-new framework (no answer).
   */
  | {
    type: "restore";
    source: "admin" | "restore-from";
    backup: BackupRef;
    /** Restore even an unverified backup. */
    force?: boolean;
    requestId?: number;
  };
