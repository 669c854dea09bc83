/**
 * The state of a reseed after quorum loss (plain data kept in the core's `State`).
 *
 * A reseed runs through phases:
 * - `confirming`: waiting for a probe started after the decision, to re-check the guard
 *   (a majority unreachable, no leader) and rank the survivors by their own raft index;
 * - `fencing`: every live task but the chosen candidate was told to stop etcd (data kept);
 *   waiting for their confirmations;
 * - `seeding`: the candidate was told to restart as a one-member cluster; waiting until a
 *   probe finds it healthy (leader of a membership of one);
 * - `cleanup`: the seed is healthy; the fenced tasks are killed (rate-limited), then the
 *   cluster regrows one member at a time through the normal add path.
 *
 * @module
 */
import type { OrderOp } from "../../contract/orders.ts";

/** An order sent during a reseed and what became of it. */
export interface SentOrder {
  id: string;
  op: OrderOp;
  taskId: string;
  name: string;
  sentAt: number;
  /**
   * `sent`: no outcome yet; `undelivered`: the MESSAGE call failed (safe to send again);
   * `ok` / `failed`: the executor's outcome.
   */
  state: "sent" | "undelivered" | "ok" | "failed";
  /** etcd's state after the order, as the executor reported it. */
  etcd?: "running" | "stopped";
  detail?: string;
}

/** The phase of a running reseed. */
export type ReseedPhase = "confirming" | "fencing" | "seeding" | "cleanup";

/** A reseed in progress. */
export interface ReseedRun {
  /** `reseed-<n>`: prefix of its order ids. */
  id: string;
  source: "admin" | "auto";
  /** Why it started (for logs). */
  reason: string;
  startedAt: number;
  phase: ReseedPhase;
  /** When the current phase began (its bound runs from here). */
  phaseAt: number;
  /** Task ids of the survivors ranked by raft index, best first. */
  candidates: string[];
  /** Task ids of every member that answered the confirming probe (must be fenced). */
  reachable: string[];
  /** The candidate being seeded (or about to be, while fencing). */
  seed?: string;
  /** Candidates that failed to become a healthy seed. */
  failed: string[];
  /** Every order sent by this reseed, oldest first. */
  orders: SentOrder[];
  /** Sequence number of its order ids. */
  seq: number;
  /** The cleanup is waiting for the destructive rate limit (logged once). */
  deferred?: boolean;
  /** Given-up volumes whose newer data this reseed discards (see `reseed_volumes.ts`). */
  discards?: string[];
}

/** No member is left to reseed from: nothing destructive happens until one answers. */
export interface NoSurvivor {
  since: number;
  reason: string;
}
