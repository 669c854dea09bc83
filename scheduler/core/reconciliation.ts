/**
 * When the master has answered a reconciliation (pure). Mesos sends no end marker:
 * - explicit reconciliation is answered when every task asked about has had an update;
 * - implicit reconciliation (every task the master knows) when updates have stopped arriving
 *   for {@linkcode CoreOptions.reconcileSettleMs}.
 *
 * A newly elected master says nothing about tasks on agents that have not re-registered yet,
 * so the tasks still unanswered are asked about again — 1 s doubling up to 30 s by default —
 * until each has answered (the master answers at the latest when it gives up on the agent,
 * after its `agent_reregister_timeout`). Until then the scheduler is Immutable; the liveness
 * alarm names the wait if it lasts. A brand-new framework has no task to ask about: its
 * first reconciliation is over at once.
 *
 * @module
 */
import { byTask, type Ctx, log } from "./context.ts";
import { liveMembers, type State } from "./state.ts";

/** A reconciliation round in progress. */
export interface Reconciliation {
  /** Task ids asked about explicitly that have not answered yet. */
  pending: string[];
  /** The last update (or the start): the implicit answers are in after a quiet period. */
  quietSince: number;
  /** When the pending tasks are asked again, and the delay after that one. */
  askAt: number;
  askDelayMs: number;
}

/** Starts a round for `taskIds` (the tasks the core knows; the implicit part is implied). */
export function beginReconciliation(ctx: Ctx, taskIds: string[], newFramework: boolean): void {
  const { s, now } = ctx;
  if (newFramework && taskIds.length === 0) {
    s.reconciliation = undefined;
    return finish(ctx, "a new framework has no task to reconcile");
  }
  const first = s.options.reconcileRetryMinMs;
  s.reconciliation = {
    pending: [...taskIds],
    quietSince: now,
    askAt: now + first,
    askDelayMs: first,
  };
}

/** A status update arrived: it answers for its task and restarts the quiet period. */
export function noteReconcileAnswer(s: State, taskId: string, now: number): void {
  const r = s.reconciliation;
  if (r === undefined) return;
  r.pending = r.pending.filter((t) => t !== taskId);
  r.quietSince = now;
}

function finish(ctx: Ctx, why: string): void {
  const { s } = ctx;
  s.reconciled = true;
  log(ctx, "info", "reconciliation finished", {
    why,
    liveMembers: liveMembers(s).length,
    desired: s.options.clusterSize,
  });
}

/** Ends the round once answered, or asks again about the tasks still unanswered. */
export function advanceReconciliation(ctx: Ctx): void {
  const { s, now } = ctx;
  const r = s.reconciliation;
  if (r === undefined) return;
  if (!s.connected || s.reconciled) {
    s.reconciliation = undefined;
    return;
  }
  if (r.pending.length === 0) {
    if (now - r.quietSince < s.options.reconcileSettleMs) return;
    s.reconciliation = undefined;
    return finish(ctx, "every task asked about answered, and the master fell quiet");
  }
  if (now < r.askAt) return;
  ctx.fx.push({
    type: "reconcile",
    tasks: r.pending.map((taskId) => ({
      taskId,
      agentId: byTask(s, taskId)?.agentId || undefined,
    })),
  });
  log(ctx, "info", "asking the master again about unanswered tasks", {
    tasks: r.pending.length,
    nextIn: `${Math.ceil(r.askDelayMs / 1000)}s`,
  });
  r.askDelayMs = Math.min(r.askDelayMs * 2, s.options.reconcileRetryMaxMs);
  r.askAt = now + r.askDelayMs;
}

/** When the round needs a tick. */
export function reconciliationDeadline(s: State): number | undefined {
  const r = s.reconciliation;
  if (r === undefined) return undefined;
  return r.pending.length === 0 ? r.quietSince + s.options.reconcileSettleMs : r.askAt;
}
