/**
 * Undoing a fence left by an earlier scheduler (pure). A scheduler killed in the middle of a
 * reseed leaves survivors whose executors stopped etcd on its order (data dir kept), and
 * possibly a seed that never came up. The restarted scheduler keeps no reseed state: it
 * adopts those tasks, but their etcd never answers, so it finds no survivor and would wait
 * forever.
 *
 * So while there is no survivor, each running task that this scheduler adopted and that has
 * never answered a probe is told to `restart` etcd on its own data, as it was before any
 * fence (what an aborted reseed does with the members it fenced). Nothing is removed or
 * killed; once one answers with its raft index the no-survivor state ends and the reseed
 * ranks it as usual. Members this scheduler launched, or that have answered before, are left
 * alone (their silence is not a fence of ours). The orders are repeated every `boundMs`.
 *
 * @module
 */
import { type Ctx, log, secs } from "./context.ts";
import type { MemberRecord, State } from "./state.ts";
import { executorIdOf } from "./task_info.ts";

/** An adopted running task whose etcd has not answered this scheduler once. */
function maybeFenced(m: MemberRecord): boolean {
  return m.taskState === "TASK_RUNNING" && m.retiring === undefined &&
    m.launchedAt === undefined && m.raftIndex === undefined && m.reachable !== true;
}

/** While no survivor answers, restarts etcd of adopted tasks that may be fenced. */
export function maybeUnfence(ctx: Ctx, boundMs: number): void {
  const { s, now } = ctx;
  const ns = s.noSurvivor;
  if (ns === undefined || s.reseed !== undefined || !s.connected || !s.reconciled) return;
  if (ns.unfencedAt !== undefined && now - ns.unfencedAt < boundMs) return;
  const targets = s.members.filter(maybeFenced);
  if (targets.length === 0) return;
  ns.unfencedAt = now;
  ns.unfenceRounds = (ns.unfenceRounds ?? 0) + 1;
  const reason = "no survivor answers; it may be fenced by an earlier scheduler: " +
    "restart etcd on its kept data";
  log(ctx, "warn", "no survivor: asking adopted, silent members to restart etcd", {
    members: targets.map((m) => m.name).join(","),
    round: ns.unfenceRounds,
    again: secs(boundMs),
  });
  for (const m of targets) {
    ctx.fx.push({
      type: "executorOrder",
      taskId: m.taskId,
      agentId: m.agentId,
      executorId: executorIdOf(m),
      order: { op: "restart", id: `unfence-${ns.unfenceRounds}-${m.name}`, taskId: m.taskId },
      reason,
    });
  }
}

/** When the unfence orders are due again, if there is no survivor. */
export function unfenceAt(s: State, boundMs: number): number | undefined {
  const at = s.noSurvivor?.unfencedAt;
  return at === undefined || s.reseed !== undefined ? undefined : at + boundMs;
}
