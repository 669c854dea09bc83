/**
 * What the scheduler has done since its process started, for the admin API: `/history`
 * (every reseed — its ranking, orders, failed seeds and killed members — and the last kills
 * with their reasons) and the counters it adds to `/stats` (subscriptions, finished
 * reconciliations, adopted tasks, leader-lock losses).
 *
 * It is built by watching the core's steps (the state before and after, and the effects), so
 * the pure core stays unaware of it; the shell calls {@linkcode SchedulerHistory.observe}
 * after every step. Like `/stats`, it starts empty in every process.
 *
 * @example
 * ```ts
 * const history = new SchedulerHistory();
 * const shell = createSchedulerShell({ ...options, onStep: (s) => history.observe(s) });
 * history.view(); // { reseeds: [...], kills: [...] }
 * ```
 *
 * @module
 */
import { isTerminal } from "../../lib/mesos/types.ts";
import type { OrderOp } from "../../contract/orders.ts";
import type { Effect } from "../core/effects.ts";
import type { Input } from "../core/inputs.ts";
import type { ReseedPhase, ReseedRun, SentOrder } from "../core/reseed_run.ts";
import type { State } from "../core/state.ts";

/** One step of the core, as the shell saw it. */
export interface ObservedStep {
  input: Input;
  before: State;
  after: State;
  effects: readonly Effect[];
  /** The step's time (ms since the epoch). */
  at: number;
}

/** Counters `/stats` gains from the history (reset when the process starts). */
export interface HistoryCounters {
  /** SUBSCRIBED events: the first subscription and every one after a failover. */
  subscriptions: number;
  /** Reconciliations finished (every task the scheduler knew has answered). */
  reconciliations: number;
  /** Running tasks this scheduler found and took over instead of launching. */
  tasks_adopted: number;
  /** Times this scheduler lost the leader lock while holding it. */
  leader_lock_losses: number;
}

/** An order a reseed sent, and what became of it. */
export interface ReseedOrderRecord {
  op: OrderOp;
  member: string;
  /** `sent` (no outcome yet), `undelivered`, `ok` or `failed`. */
  state: SentOrder["state"];
}

/** How a reseed ended. */
export type ReseedOutcome =
  /** The seed became healthy as a one-member cluster; the cluster regrows from it. */
  | "done"
  /** No member was left to reseed from. */
  | "no survivor"
  /** Cancelled (quorum came back) or aborted (no candidate could seed); the log says why. */
  | "ended";

/** One reseed, as far as it went. */
export interface ReseedRecord {
  /** `reseed-<n>`. */
  id: string;
  /** `admin`: `POST /reseed`; `auto`: after `--reseed-timeout` without quorum. */
  source: "admin" | "auto";
  reason: string;
  startedAt: number;
  /** The phase it is in, or the last one it reached. */
  phase: ReseedPhase;
  /** The survivors ranked by raft index, best first (empty until ranked). */
  ranking: { member: string; raftIndex: string | null }[];
  /** The members told to restart as a one-member cluster, in order. */
  seeds: string[];
  /** The seeds that did not become healthy (fenced again). */
  failedSeeds: string[];
  /** The members told to stop etcd (fenced), in order, each once. */
  fenced: string[];
  /** Every order sent, oldest first. */
  orders: ReseedOrderRecord[];
  /** The fenced members killed once the seed was healthy. */
  killed: string[];
  outcome?: ReseedOutcome;
  endedAt?: number;
}

/** A task the scheduler killed. */
export interface KillRecord {
  at: number;
  taskId: string;
  member: string;
  reason: string;
  /** The reseed whose cleanup killed it, if any. */
  reseed?: string;
}

/** The `/history` document. */
export interface HistoryView {
  /** Oldest first, at most {@linkcode MAX_RESEEDS}. */
  reseeds: ReseedRecord[];
  /** Oldest first, at most {@linkcode MAX_KILLS}. */
  kills: KillRecord[];
}

/** Reseeds kept. */
export const MAX_RESEEDS = 20;
/** Kills kept. */
export const MAX_KILLS = 100;

const nameOf = (s: State, taskId: string) =>
  s.members.find((m) => m.taskId === taskId)?.name ?? taskId.split(" ")[0] ?? taskId;

/** The history of one scheduler process. */
export class SchedulerHistory {
  readonly #counters: HistoryCounters = {
    subscriptions: 0,
    reconciliations: 0,
    tasks_adopted: 0,
    leader_lock_losses: 0,
  };
  readonly #reseeds: ReseedRecord[] = [];
  readonly #kills: KillRecord[] = [];

  /** Takes in one step of the core. */
  observe(step: ObservedStep): void {
    const { input, before, after, effects, at } = step;
    const c = this.#counters;
    if (input.type === "subscribed") c.subscriptions++;
    if (!before.reconciled && after.reconciled) c.reconciliations++;
    if (input.type === "status") {
      const known = new Set(before.members.map((m) => m.taskId));
      c.tasks_adopted += after.members.filter((m) => !known.has(m.taskId)).length;
    }
    const running = before.reseed;
    if (after.reseed !== undefined) this.#update(after.reseed, after);
    const ended = running !== undefined && after.reseed?.id !== running.id;
    for (const e of effects) {
      if (e.type !== "kill") continue;
      const cleanup = running !== undefined &&
        (running.phase === "seeding" || running.phase === "cleanup");
      const kill: KillRecord = {
        at,
        taskId: e.taskId,
        member: nameOf(before, e.taskId),
        reason: e.reason,
        ...(cleanup ? { reseed: running.id } : {}),
      };
      this.#kills.push(kill);
      if (cleanup) this.#record(running.id)?.killed.push(kill.member);
    }
    this.#kills.splice(0, this.#kills.length - MAX_KILLS);
    if (ended) this.#end(running, step);
  }

  /** Notes that the leader lock was lost while held. */
  leaderLockLost(): void {
    this.#counters.leader_lock_losses++;
  }

  /** The counters for `/stats`. */
  counters(): HistoryCounters {
    return { ...this.#counters };
  }

  /** The `/history` document. */
  view(): HistoryView {
    return structuredClone({ reseeds: this.#reseeds, kills: this.#kills });
  }

  #record(id: string): ReseedRecord | undefined {
    return this.#reseeds.findLast((r) => r.id === id);
  }

  /** Brings the record of `run` up to date with the state after a step. */
  #update(run: ReseedRun, s: State): void {
    let r = this.#record(run.id);
    if (r === undefined || r.endedAt !== undefined) {
      r = {
        id: run.id,
        source: run.source,
        reason: run.reason,
        startedAt: run.startedAt,
        phase: run.phase,
        ranking: [],
        seeds: [],
        failedSeeds: [],
        fenced: [],
        orders: [],
        killed: [],
      };
      this.#reseeds.push(r);
      this.#reseeds.splice(0, this.#reseeds.length - MAX_RESEEDS);
    }
    r.phase = run.phase;
    if (r.ranking.length === 0 && run.candidates.length > 0) {
      r.ranking = run.candidates.map((taskId) => ({
        member: nameOf(s, taskId),
        raftIndex: s.members.find((m) => m.taskId === taskId)?.raftIndex ?? null,
      }));
    }
    r.orders = run.orders.map((o) => ({ op: o.op, member: o.name, state: o.state }));
    r.seeds = run.orders.filter((o) => o.op === "reseed").map((o) => o.name);
    r.fenced = [...new Set(run.orders.filter((o) => o.op === "stop").map((o) => o.name))];
    r.failedSeeds = run.failed.map((t) => nameOf(s, t));
  }

  /** `run` ended in this step: how. */
  #end(run: ReseedRun, step: ObservedStep): void {
    const r = this.#record(run.id);
    if (r === undefined) return;
    const { after, effects, at } = step;
    const last = effects.flatMap((e) =>
      e.type === "executorOrder" && e.order.id.startsWith(`${run.id}-`) ? [e] : []
    );
    const ordered = last.length > 0;
    for (const e of last) {
      r.orders.push({ op: e.order.op, member: nameOf(step.before, e.taskId), state: "sent" });
      if (e.order.op === "stop") {
        const name = nameOf(step.before, e.taskId);
        if (!r.fenced.includes(name)) r.fenced.push(name);
      }
    }
    const seed = after.members.find((m) => m.taskId === run.seed);
    r.endedAt = at;
    if (after.noSurvivor !== undefined && after.noSurvivor.since === at) {
      r.outcome = "no survivor";
    } else if (
      (run.phase === "seeding" || run.phase === "cleanup") && !ordered &&
      seed !== undefined && !isTerminal(seed.taskState)
    ) {
      r.phase = "cleanup";
      r.outcome = "done";
    } else {
      r.outcome = "ended";
    }
  }
}
