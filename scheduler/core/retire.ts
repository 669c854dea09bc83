/**
 * The two destructive primitives of the core, in one place: killing a member's task and
 * removing an etcd member (which becomes the one membership change in flight).
 *
 * @module
 */
import { type Ctx, voterEndpoints } from "./context.ts";
import type { MemberRecord } from "./state.ts";

/**
 * Emits a KILL of `m`'s task and counts it. `graceMs: 0` for a member that does not answer:
 * a frozen (SIGSTOPped) etcd ignores SIGTERM until resumed, so it must get SIGKILL at once
 * to be dead before anyone resumes it.
 */
export function killTask(
  ctx: Ctx,
  m: MemberRecord,
  reason: string,
  options: { graceMs?: number } = {},
): void {
  ctx.fx.push({ type: "kill", taskId: m.taskId, agentId: m.agentId, reason, ...options });
  ctx.s.counters.tasks_killed++;
}

/** Emits an etcd member removal and makes it the change in flight. */
export function startRemove(ctx: Ctx, memberId: string, name: string, reason: string): void {
  ctx.fx.push({
    type: "etcdRemove",
    memberId,
    name,
    reason,
    endpoints: voterEndpoints(ctx.s),
  });
  ctx.s.change = { kind: "remove", memberId, name, reason, startedAt: ctx.now };
}

/**
 * Ends a join whose member is gone or given up on. While an etcd call of the join is
 * unanswered (`adding`, `promoting`) nothing else is sent — one change in flight — and
 * {@linkcode finishAbandonedJoin} completes it once the call is answered or timed out.
 */
export function abandonJoin(ctx: Ctx, m: MemberRecord, reason: string): void {
  const c = ctx.s.change;
  if (c?.kind !== "add" || c.taskId !== m.taskId) return;
  m.retiring ??= { reason, at: ctx.now, removed: c.memberId === undefined };
  if (c.step === "adding" || c.step === "promoting") {
    c.abandoned = reason;
    return;
  }
  ctx.s.change = undefined;
  if (c.memberId !== undefined) startRemove(ctx, c.memberId, m.name, reason);
}

/** Completes an abandoned join once no etcd call of it is outstanding. */
export function finishAbandonedJoin(ctx: Ctx): void {
  const c = ctx.s.change;
  if (c?.kind !== "add" || c.abandoned === undefined) return;
  if (c.step === "adding" || c.step === "promoting") return;
  ctx.s.change = undefined;
  if (c.memberId !== undefined) startRemove(ctx, c.memberId, c.name, c.abandoned);
}
