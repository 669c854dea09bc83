/**
 * What runs after every input: forget finished records, time out a stuck change, carry out
 * the reseed after quorum loss (or its trigger), carry out the planned membership step, want
 * or refuse offers (REVIVE / SUPPRESS), schedule probes, and arm the next timer.
 *
 * @module
 */
import { isTerminal } from "../../lib/mesos/types.ts";
import { byTask, type Ctx, log, secs } from "./context.ts";
import { abandonJoin, finishAbandonedJoin, killTask, startRemove } from "./retire.ts";
import { livenessDeadline, watchLiveness } from "./liveness.ts";
import { type Plan, planNext } from "./membership.ts";
import { offerWaitDeadline, trackOfferWait } from "./offer_wait.ts";
import { probeTargets } from "./probe_targets.ts";
import { advanceReconciliation, reconciliationDeadline } from "./reconciliation.ts";
import { advanceReseed, reseedDeadlines } from "./reseed.ts";
import { advanceRestore, restoreDeadlines } from "./restore.ts";
import { advanceRollingRestart, rollingRestartDeadlines } from "./rolling_restart.ts";
import { advanceStaticBootstrap, staticBootstrapDeadline } from "./static_bootstrap.ts";
import { configuredMemberId, MAX_ENDED_TASK_IDS, memberPeerUrl, type State } from "./state.ts";
import {
  addVolumesToLaunches,
  relaunchWanted,
  trackVolumes,
  volumeDeadline,
} from "./volume_relaunch.ts";

/** Drops records of ended tasks that etcd no longer lists. */
function forgetFinished(ctx: Ctx): void {
  const { s } = ctx;
  const keep = s.members.filter((m) => {
    if (!isTerminal(m.taskState)) return true;
    if (s.change?.kind === "add" && s.change.taskId === m.taskId) return true;
    return configuredMemberId(s, m) !== undefined;
  });
  for (const m of s.members) {
    if (keep.includes(m)) continue;
    log(ctx, "debug", "forgetting finished member", { member: m.name });
    // TASK_LOST may still come back (non-partition-aware frameworks); other ends are final.
    if (m.taskState !== "TASK_LOST") {
      s.endedTaskIds = [...(s.endedTaskIds ?? []), m.taskId].slice(-MAX_ENDED_TASK_IDS);
    }
  }
  s.members = keep;
}

/** Aborts a change whose member died, or whose etcd call never answered. */
function watchChange(ctx: Ctx): void {
  const { s, now } = ctx;
  const o = s.options;
  const c = s.change;
  if (c === undefined) return;
  if (c.kind === "remove") {
    if (now - c.startedAt >= o.probeTimeoutMs) {
      log(ctx, "warn", "etcd remove unanswered; will retry", { member: c.name });
      s.change = undefined;
    }
    return;
  }
  if (c.kind === "staticBootstrap") return; // see advanceStaticBootstrap
  if (c.kind === "bootstrap") {
    const m = s.members.find((x) => x.name === c.name && !isTerminal(x.taskState));
    if (m && m.taskState !== "TASK_RUNNING" && now - c.startedAt >= o.launchTimeoutMs) {
      const reason = `not TASK_RUNNING after ${secs(now - c.startedAt)}`;
      m.retiring = { reason, at: now, removed: true };
      killTask(ctx, m, reason);
      s.change = undefined;
      log(ctx, "warn", "killing the first member", { member: m.name, reason });
    }
    return;
  }
  if ((c.step === "adding" || c.step === "promoting") && now - c.stepAt >= o.probeTimeoutMs) {
    log(ctx, "warn", `etcd ${c.step} call unanswered`, { member: c.name });
    if (c.step === "adding") {
      if (c.offerId !== undefined && !c.offerLost) {
        ctx.fx.push({
          type: "decline",
          offerIds: [c.offerId],
          refuseSeconds: o.offerRefuseSeconds,
        });
        s.filtered = true;
      }
      s.change = undefined;
      s.retryAt = now + o.healthIntervalMs;
      s.probeWanted = true;
    } else {
      c.step = "catching-up";
      c.stepAt = now;
      finishAbandonedJoin(ctx);
    }
    return;
  }
  if (c.abandoned !== undefined) return finishAbandonedJoin(ctx);
  const m = byTask(s, c.taskId);
  if (m === undefined || isTerminal(m.taskState)) return;
  let reason: string | undefined;
  if (m.taskState !== "TASK_RUNNING" && m.launchedAt !== undefined) {
    if (now - m.launchedAt >= o.launchTimeoutMs) {
      reason = `not TASK_RUNNING after ${secs(now - m.launchedAt)}`;
    }
  } else if (
    m.unreachableSince !== undefined && now - m.unreachableSince >= o.memberGracePeriodMs
  ) {
    reason = `unreachable for ${secs(now - m.unreachableSince)} while joining`;
  }
  if (reason === undefined) return;
  killTask(ctx, m, reason);
  log(ctx, "warn", "abandoning a join", { member: m.name, reason });
  abandonJoin(ctx, m, reason);
}

/** Carries out a retire/prune/adoptLearner plan. */
function execute(ctx: Ctx, plan: Plan): void {
  const { s, now } = ctx;
  if (plan.kind === "retire") {
    const m = byTask(s, plan.taskId);
    if (m === undefined) return;
    if (!plan.continuing) {
      s.lastDestructiveAt = now;
      m.retiring = { reason: plan.reason, at: now, removed: plan.removeId === undefined };
      log(ctx, "warn", "retiring member", { member: m.name, task: m.taskId, reason: plan.reason });
    }
    if (plan.kill && !isTerminal(m.taskState)) {
      killTask(ctx, m, plan.reason, plan.unreachable ? { graceMs: 0 } : {});
    }
    if (plan.removeId !== undefined) startRemove(ctx, plan.removeId, m.name, plan.reason);
  } else if (plan.kind === "prune") {
    s.lastDestructiveAt = now;
    log(ctx, "warn", "removing an etcd member without a task", {
      member: plan.name,
      reason: plan.reason,
    });
    startRemove(ctx, plan.memberId, plan.name, plan.reason);
  } else if (plan.kind === "adoptLearner") {
    const m = byTask(s, plan.taskId);
    if (m === undefined) return;
    s.change = {
      kind: "add",
      step: "catching-up",
      name: m.name,
      taskId: m.taskId,
      peerUrl: memberPeerUrl(m),
      startedAt: now,
      stepAt: now,
      memberId: m.memberId,
      learner: true,
    };
    s.probeWanted = true;
    log(ctx, "info", "taking over a running learner", { member: m.name });
  }
}

function noteWait(ctx: Ctx, plan: Plan): void {
  const reason = plan.kind === "wait" ? plan.reason : undefined;
  // Compare without numbers so a countdown ("rate limited for 30s") logs once.
  const gist = reason?.replace(/[0-9]+/g, "#");
  if (reason !== undefined && gist !== ctx.s.lastWaitReason) {
    log(ctx, ctx.s.change === undefined ? "info" : "debug", "waiting", { reason });
    if (reason.startsWith("rate limited")) ctx.s.counters.destructive_deferred++;
  }
  ctx.s.lastWaitReason = gist;
}

function steerOffers(ctx: Ctx, plan: Plan): void {
  const { s } = ctx;
  const wanted = plan.kind === "bootstrap" || plan.kind === "add" || relaunchWanted(s);
  trackOfferWait(ctx, wanted && s.connected);
  if (!s.connected) return;
  // REVIVE once when the need arises (not while it lasts: offers declined meanwhile for
  // placement would otherwise come straight back in a revive loop).
  if (wanted && !s.offersWanted && (s.suppressed || s.filtered)) {
    ctx.fx.push({ type: "revive" });
    s.suppressed = false;
    s.filtered = false;
  }
  s.offersWanted = wanted;
  if (plan.kind === "complete" && !s.suppressed) {
    ctx.fx.push({ type: "suppress" });
    s.suppressed = true;
    log(ctx, "info", "cluster complete; offers suppressed", { members: s.options.clusterSize });
  }
}

function scheduleProbe(ctx: Ctx): void {
  const { s, now } = ctx;
  const o = s.options;
  if (s.probeInFlightSince !== undefined) {
    if (now - s.probeInFlightSince < o.probeTimeoutMs) return;
    log(ctx, "warn", "probe unanswered; probing again", { since: s.probeInFlightSince });
  }
  const targets = probeTargets(s);
  if (targets.length === 0) return;
  const due = s.lastProbeAt === undefined || now >= s.lastProbeAt + o.healthIntervalMs;
  if (!s.probeWanted && !due) return;
  ctx.fx.push({ type: "probe", members: targets });
  s.probeInFlightSince = now;
  s.lastProbeAt = now;
  s.probeWanted = false;
}

/** The earliest time something becomes due, if any. */
function nextDeadline(s: State, plan: Plan, now: number): number | undefined {
  const o = s.options;
  const at: number[] = [];
  if (plan.kind === "wait" && plan.until !== undefined) at.push(plan.until);
  if (s.retryAt !== undefined) at.push(s.retryAt);
  if (probeTargets(s).length > 0 && s.lastProbeAt !== undefined) {
    at.push(
      s.probeInFlightSince !== undefined
        ? s.probeInFlightSince + o.probeTimeoutMs
        : s.lastProbeAt + o.healthIntervalMs,
    );
  }
  for (const m of s.members) {
    if (m.unreachableSince !== undefined) at.push(m.unreachableSince + o.memberGracePeriodMs);
    if (m.taskState !== "TASK_RUNNING" && m.launchedAt !== undefined && !isTerminal(m.taskState)) {
      at.push(m.launchedAt + o.launchTimeoutMs);
    }
  }
  const c = s.change;
  if (c?.kind === "remove") at.push(c.startedAt + o.probeTimeoutMs);
  if (c?.kind === "add" && (c.step === "adding" || c.step === "promoting")) {
    at.push(c.stepAt + o.probeTimeoutMs);
  }
  at.push(...reseedDeadlines(s), ...restoreDeadlines(s), ...rollingRestartDeadlines(s));
  const due = [offerWaitDeadline(s), livenessDeadline(s), reconciliationDeadline(s)];
  for (const t of [...due, staticBootstrapDeadline(s), volumeDeadline(s)]) {
    if (t !== undefined) at.push(t);
  }
  const future = at.filter((t) => t > now);
  return future.length > 0 ? Math.min(...future) : undefined;
}

/** What the plan is waiting for, for the liveness alarm. */
function waitingFor(plan: Plan): string | undefined {
  if (plan.kind === "wait") return plan.reason;
  if (plan.kind === "bootstrap" || plan.kind === "add") return "waiting for an offer that fits";
  return undefined;
}

/** Runs the after-input bookkeeping and planning. */
export function afterInput(ctx: Ctx): void {
  const { s, now } = ctx;
  advanceReconciliation(ctx);
  forgetFinished(ctx);
  watchChange(ctx);
  advanceReseed(ctx);
  advanceRestore(ctx);
  advanceRollingRestart(ctx);
  advanceStaticBootstrap(ctx);
  trackVolumes(ctx);
  let plan = planNext(s, now);
  if (plan.kind === "retire" || plan.kind === "prune" || plan.kind === "adoptLearner") {
    execute(ctx, plan);
    plan = planNext(s, now);
  }
  noteWait(ctx, plan);
  steerOffers(ctx, plan);
  scheduleProbe(ctx);
  watchLiveness(ctx, waitingFor(plan));
  const at = nextDeadline(s, plan, now);
  if (at !== undefined && at !== s.timerAt) {
    ctx.fx.push({ type: "armTimer", at });
    s.timerAt = at;
  }
  addVolumesToLaunches(ctx);
}
