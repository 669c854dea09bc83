/**
 * Restores from backups (pure), run after every input: the in-place restore's phases, the
 * seeded restore (first member launched with the snapshot), the automatic restore after
 * total loss, and the operator's request. See restore_run.ts for the two ways.
 *
 * In place: fencing → restoring → done.
 * 1. Every target (each running member) is told to `stop` etcd and must confirm (unanswered
 *    stops are sent again). Unconfirmed after the bound (`--reseed-timeout`, at least 30 s):
 *    the restore is abandoned before any data was touched, and the fenced members restarted.
 * 2. Each target is told to `restore` the snapshot as a member of a new cluster of exactly
 *    the targets (new `--initial-cluster-token`). Done when every target reported success
 *    and a probe started after that finds the cluster healthy with every target voting.
 *    A target failing, or not done within {@linkcode restoreBoundMs}, fails the restore
 *    loudly (`/healthz`, the log); the members are left as they are (nothing is restarted,
 *    so the old and the new cluster never both run) and the normal repair takes over.
 *
 * Seeded: the terminal records of the lost cluster are forgotten, and the next first-member
 * launch carries the snapshot; the seed is done once the cluster is healthy.
 *
 * Automatic: when every member has been gone for `--reseed-timeout`, with `--auto-restore`,
 * a verified backup known, the scheduler connected and reconciled, no reseed running and
 * no stray etcd answering (its data could be newer than any backup).
 *
 * @module
 */
import { isTerminal } from "../../lib/mesos/types.ts";
import { formatInitialCluster } from "../../contract/member_config.ts";
import { byTask, type Ctx, log, secs } from "./context.ts";
import type { MemberLaunch } from "./effects.ts";
import type { OrderOutcomeInput } from "./inputs.ts";
import { clusterTokenOf } from "./offers.ts";
import { resendAfterMs } from "./reseed_orders.ts";
import { stepBoundMs } from "./reseed.ts";
import type { SentOrder } from "./reseed_run.ts";
import type { BackupRef, RestoreInput, RestoreRun, RestoreState } from "./restore_run.ts";
import { executorIdOf } from "./task_info.ts";
import {
  liveMembers,
  MAX_ENDED_TASK_IDS,
  memberPeerUrl,
  type MemberRecord,
  type State,
} from "./state.ts";
import type { OrderOp } from "../../contract/orders.ts";

/** The shortest bound of the restoring phase (downloads and restores take time). */
export const MIN_RESTORE_BOUND_MS = 600_000;

/** How long the restoring phase may take: ten minutes, or the reseed bound when longer. */
export function restoreBoundMs(s: State): number {
  return Math.max(stepBoundMs(s), MIN_RESTORE_BOUND_MS);
}

/** The restore part of the state, created on first use. */
export function restoreState(s: State): RestoreState {
  s.restore ??= { autoRestore: false, done: 0, started: 0 };
  return s.restore;
}

/** Why membership must not change now because of a restore, if it must not. */
export function restoreBlocks(s: State): string | undefined {
  const d = describeRestore(s);
  return s.restore?.run !== undefined ? `restoring: ${d}` : undefined;
}

/** What the restore is doing, for `/healthz` and wait reasons. */
export function describeRestore(s: State): string | undefined {
  const r = s.restore;
  if (r?.run !== undefined) {
    const run = r.run;
    const names = run.targets.map((t) => byTask(s, t)?.name ?? t).join(",");
    return run.phase === "fencing"
      ? `${run.id}: fencing ${names} before restoring backup ${run.backup.id}`
      : `${run.id}: ${names} restoring backup ${run.backup.id}`;
  }
  if (r?.seed !== undefined) return `seeding a new cluster from backup ${r.seed.id}`;
  return undefined;
}

/** The restore's alarm for `/healthz`: the last failure, until a restore succeeds. */
export function restoreFailure(s: State): string | undefined {
  const f = s.restore?.failed;
  return f === undefined ? undefined : `restore failed: ${f.reason}`;
}

function refs(b: BackupRef): Record<string, string> {
  return { backup: b.id, revision: b.revision, verified: String(b.verified) };
}

/** The shell reports the newest verified backup and `--auto-restore`. */
export function onBackupsKnown(ctx: Ctx, input: Extract<RestoreInput, { type: "backups" }>): void {
  const r = restoreState(ctx.s);
  r.autoRestore = input.autoRestore;
  if (input.latest?.id !== r.latest?.id) {
    log(ctx, "debug", "newest verified backup", input.latest ? refs(input.latest) : {});
  }
  r.latest = input.latest;
}

/** Why no restore may start now (any source), or undefined. */
function blocker(s: State): string | undefined {
  if (s.restore?.run !== undefined) return `a restore is already running (${s.restore.run.id})`;
  if (s.reseed !== undefined) return `a reseed is running (${s.reseed.phase})`;
  if (!s.connected) return "not connected to the master";
  if (!s.reconciled) return "still reconciling tasks with the master";
  return undefined;
}

/** Forgets the lost cluster and makes the next first-member launch restore `backup`. */
function startSeed(
  ctx: Ctx,
  backup: BackupRef,
  source: "admin" | "auto" | "restore-from",
  why: string,
): void {
  const { s, now } = ctx;
  const r = restoreState(s);
  const ended = s.members.filter((m) => isTerminal(m.taskState)).map((m) => m.taskId);
  s.endedTaskIds = [...(s.endedTaskIds ?? []), ...ended].slice(-MAX_ENDED_TASK_IDS);
  s.members = s.members.filter((m) => !isTerminal(m.taskState));
  s.etcdMembers = undefined;
  s.change = undefined;
  s.lost = false;
  s.clusterFormed = false;
  s.noSurvivor = undefined;
  s.quorumLostSince = undefined;
  s.reseedBlocked = undefined;
  r.seed = { ...backup, source, at: now };
  r.lostSince = undefined;
  r.failed = undefined;
  log(ctx, "warn", "RESTORE: seeding a new cluster from a backup", {
    ...refs(backup),
    source,
    why,
  });
}

/** Gives a first-member launch the seed's snapshot (called by the bootstrap). */
export function seedLaunch(ctx: Ctx, launch: MemberLaunch): void {
  const seed = ctx.s.restore?.seed;
  if (seed === undefined) return;
  launch.config = {
    ...launch.config,
    restore: { backupId: seed.id, url: seed.url, sha256: seed.sha256 },
  };
  log(ctx, "warn", "the first member restores a backup before starting", {
    member: launch.name,
    backup: seed.id,
  });
}

function emitOrder(
  ctx: Ctx,
  run: RestoreRun,
  m: MemberRecord,
  op: OrderOp,
  reason: string,
): SentOrder {
  const order: SentOrder = {
    id: `${run.id}-${op}-${m.name}-${++run.seq}`,
    op,
    taskId: m.taskId,
    name: m.name,
    sentAt: ctx.now,
    state: "sent",
  };
  run.orders.push(order);
  send(ctx, run, m, order, reason);
  return order;
}

function send(ctx: Ctx, run: RestoreRun, m: MemberRecord, order: SentOrder, reason: string) {
  const restore = order.op === "restore"
    ? {
      backupId: run.backup.id,
      url: run.backup.url,
      sha256: run.backup.sha256,
      initialCluster: initialClusterOf(ctx.s, run),
      clusterToken: run.clusterToken,
    }
    : undefined;
  ctx.fx.push({
    type: "executorOrder",
    taskId: m.taskId,
    agentId: m.agentId,
    executorId: executorIdOf(m),
    order: { op: order.op, id: order.id, taskId: m.taskId, ...(restore ? { restore } : {}) },
    reason,
  });
  log(ctx, "info", `order ${order.op} sent`, { member: m.name, order: order.id, reason });
}

function initialClusterOf(s: State, run: RestoreRun): string {
  const entries = run.targets.map((t) => byTask(s, t)).filter((m) => m !== undefined)
    .map((m) => ({ name: m!.name, peerUrl: memberPeerUrl(m!) }));
  return formatInitialCluster(entries);
}

function lastOrder(run: RestoreRun, taskId: string): SentOrder | undefined {
  return run.orders.findLast((o) => o.taskId === taskId);
}

/** An operator's `POST /restore`, or `--restore-from` for a brand-new framework. */
export function onRestoreRequest(
  ctx: Ctx,
  input: Extract<RestoreInput, { type: "restore" }>,
): void {
  const { s, now } = ctx;
  const r = restoreState(s);
  const b = input.backup;
  if (input.source === "restore-from") {
    if (s.clusterFormed || s.members.length > 0 || r.seed !== undefined) {
      log(ctx, "warn", "--restore-from ignored: this framework already has a cluster", refs(b));
      return;
    }
    if (!b.verified) log(ctx, "warn", "--restore-from: the backup is not verified", refs(b));
    return startSeed(ctx, b, "restore-from", "--restore-from for a brand-new framework");
  }
  const reply = (accepted: boolean, message: string) => {
    ctx.fx.push({ type: "adminReply", requestId: input.requestId, accepted, message });
    log(ctx, "warn", accepted ? "operator restore accepted" : "operator restore refused", {
      ...refs(b),
      reason: message,
    });
  };
  if (!b.verified && input.force !== true) {
    return reply(
      false,
      `backup ${b.id} is not verified (its restore drill failed); send "force": true to restore it anyway`,
    );
  }
  const blocked = blocker(s);
  if (blocked !== undefined) return reply(false, blocked);
  const live = liveMembers(s);
  if (live.length === 0) {
    startSeed(ctx, b, "admin", "requested by an operator; no member is left");
    return reply(true, `seeding a new cluster from backup ${b.id} (revision ${b.revision})`);
  }
  const notRunning = live.find((m) => m.taskState !== "TASK_RUNNING");
  if (notRunning !== undefined) {
    return reply(false, `${notRunning.name} is ${notRunning.taskState}; retry once it runs`);
  }
  if (s.change !== undefined) {
    log(ctx, "warn", "abandoning a membership change for the restore", { change: s.change.kind });
    if (s.change.kind === "add" && s.change.offerId !== undefined && !s.change.offerLost) {
      ctx.fx.push({
        type: "decline",
        offerIds: [s.change.offerId],
        refuseSeconds: s.options.offerRefuseSeconds,
      });
      s.filtered = true;
    }
    s.change = undefined;
  }
  const run: RestoreRun = {
    id: `restore-${++r.started}`,
    source: "admin",
    backup: b,
    startedAt: now,
    phase: "fencing",
    phaseAt: now,
    targets: live.map((m) => m.taskId),
    clusterToken: `${clusterTokenOf(s)}-restore-${now.toString(36)}`,
    orders: [],
    seq: 0,
  };
  r.run = run;
  r.failed = undefined;
  for (const m of live) emitOrder(ctx, run, m, "stop", `${run.id}: fence before restoring`);
  reply(
    true,
    `${run.id} started: fencing ${
      live.map((m) => m.name).join(",")
    }, then restoring backup ${b.id} (revision ${b.revision}) on each`,
  );
}

/** Records an executor's outcome of a restore's order (ignores other orders). */
export function onRestoreOutcome(ctx: Ctx, input: OrderOutcomeInput): void {
  const run = ctx.s.restore?.run;
  const order = run === undefined
    ? undefined
    : input.orderId !== undefined
    ? run.orders.find((o) => o.id === input.orderId)
    : undefined;
  if (run === undefined || order === undefined) return;
  const fields = { order: order.id, member: order.name, ok: input.ok, message: input.message };
  if (input.undelivered) {
    if (order.state === "sent") order.state = "undelivered";
    log(ctx, "warn", "restore order not delivered; will send again", fields);
    return;
  }
  if (order.state === "ok" || order.state === "failed") return;
  order.state = input.ok ? "ok" : "failed";
  order.etcd = input.etcd;
  order.detail = input.message;
  log(ctx, input.ok ? "info" : "warn", `order ${order.op} ${input.ok ? "done" : "failed"}`, fields);
  if (input.ok && order.op === "restore") {
    ctx.s.probeWanted = true;
    run.lastOkAt = ctx.now;
  }
}

/** Sends again what was never delivered, and unanswered stops (stopping twice is harmless). */
function resend(ctx: Ctx, run: RestoreRun): void {
  const { s, now } = ctx;
  if (!s.connected) return;
  for (const taskId of run.targets) {
    const order = lastOrder(run, taskId);
    const m = byTask(s, taskId);
    if (order === undefined || m === undefined || isTerminal(m.taskState)) continue;
    const due = now - order.sentAt >= resendAfterMs(s);
    if (due && (order.state === "undelivered" || (order.op === "stop" && order.state === "sent"))) {
      order.state = "sent";
      order.sentAt = now;
      send(ctx, run, m, order, "sending again: no answer yet");
    }
  }
}

function fail(ctx: Ctx, run: RestoreRun, reason: string): void {
  const { s, now } = ctx;
  const r = restoreState(s);
  r.run = undefined;
  r.failed = { at: now, reason: `${run.id} from backup ${run.backup.id}: ${reason}` };
  s.probeWanted = true;
  log(ctx, "error", "RESTORE FAILED: members are left as they are; the normal repair goes on", {
    restore: run.id,
    ...refs(run.backup),
    reason,
  });
}

function stepFencing(ctx: Ctx, run: RestoreRun): void {
  const { s, now } = ctx;
  run.targets = run.targets.filter((t) => {
    const m = byTask(s, t);
    return m !== undefined && !isTerminal(m.taskState);
  });
  if (run.targets.length === 0) return fail(ctx, run, "every member's task ended while fencing");
  const open = run.targets.filter((t) => {
    const o = lastOrder(run, t);
    return !(o?.op === "stop" && (o.state === "ok" || o.etcd === "stopped"));
  });
  if (open.length > 0) {
    if (now - run.phaseAt < stepBoundMs(s)) return resend(ctx, run);
    const names = open.map((t) => byTask(s, t)?.name ?? t).join(",");
    const r = restoreState(s);
    r.run = undefined;
    r.failed = { at: now, reason: `${run.id}: ${names} did not confirm their fence in time` };
    for (const t of run.targets) {
      const m = byTask(s, t)!;
      emitOrder(ctx, run, m, "restart", `${run.id} abandoned before any data was touched`);
    }
    log(ctx, "error", "restore abandoned: not every member confirmed its fence", {
      restore: run.id,
      members: names,
    });
    return;
  }
  run.phase = "restoring";
  run.phaseAt = now;
  s.clusterToken = run.clusterToken;
  s.etcdMembers = undefined;
  for (const t of run.targets) {
    const m = byTask(s, t)!;
    m.memberId = undefined;
    m.learner = false;
    m.raftIndex = undefined;
    m.raftTerm = undefined;
    emitOrder(ctx, run, m, "restore", `${run.id}: restore backup ${run.backup.id}`);
  }
  log(ctx, "warn", "RESTORE: every member is fenced; each restores the backup now", {
    restore: run.id,
    ...refs(run.backup),
    members: run.targets.map((t) => byTask(s, t)?.name).join(","),
    clusterToken: run.clusterToken,
  });
}

function stepRestoring(ctx: Ctx, run: RestoreRun): void {
  const { s, now } = ctx;
  const orders = run.targets.map((t) => lastOrder(run, t));
  const failed = orders.find((o) => o?.op === "restore" && o.state === "failed");
  if (failed !== undefined) return fail(ctx, run, `${failed.name}: ${failed.detail}`);
  const ended = run.targets.find((t) => isTerminal(byTask(s, t)?.taskState ?? "TASK_LOST"));
  if (ended !== undefined) {
    return fail(ctx, run, `${byTask(s, ended)?.name ?? ended}'s task ended while restoring`);
  }
  const allOk = orders.every((o) => o?.op === "restore" && o.state === "ok");
  const lastOk = run.lastOkAt ?? Infinity;
  const voters = (s.etcdMembers ?? []).filter((e) => !e.isLearner).length;
  if (
    allOk && s.health.healthy && (s.health.probeStartedAt ?? -Infinity) >= lastOk &&
    voters === run.targets.length
  ) {
    const r = restoreState(s);
    r.run = undefined;
    r.done++;
    r.last = { at: now, backup: run.backup.id };
    s.lost = false;
    s.noSurvivor = undefined;
    s.quorumLostSince = undefined;
    s.reseedBlocked = undefined;
    s.lastChangeAt = now;
    s.probeWanted = true;
    log(ctx, "warn", "RESTORE DONE: the cluster serves the backup", {
      restore: run.id,
      ...refs(run.backup),
      members: voters,
      took: secs(now - run.startedAt),
    });
    return;
  }
  if (now - run.phaseAt >= restoreBoundMs(s)) {
    return fail(ctx, run, `not healthy within ${secs(restoreBoundMs(s))}`);
  }
  resend(ctx, run);
}

/** Ends a seeded restore once the cluster it seeded is healthy. */
function watchSeed(ctx: Ctx): void {
  const { s, now } = ctx;
  const r = s.restore;
  const seed = r?.seed;
  if (r === undefined || seed === undefined) return;
  const running = liveMembers(s).some((m) => m.taskState === "TASK_RUNNING");
  if (!running || !s.health.healthy || (s.health.probeStartedAt ?? 0) < seed.at) return;
  r.seed = undefined;
  r.done++;
  r.last = { at: now, backup: seed.id };
  log(ctx, "warn", "RESTORE DONE: the seeded cluster is healthy; regrowing", {
    ...refs(seed),
    took: secs(now - seed.at),
  });
}

/** Starts the automatic restore when every member has been gone for `--reseed-timeout`. */
function maybeAutoRestore(ctx: Ctx): void {
  const { s, now } = ctx;
  const r = s.restore;
  if (r === undefined) return;
  if (!s.lost) {
    r.lostSince = undefined;
    return;
  }
  r.lostSince ??= now;
  if (!r.autoRestore || r.latest === undefined || r.seed !== undefined) return;
  if (blocker(s) !== undefined || (s.strays ?? []).length > 0) return;
  if (now - r.lostSince < s.options.reseedTimeoutMs) return;
  startSeed(
    ctx,
    r.latest,
    "auto",
    `every member gone for ${secs(now - r.lostSince)} (--reseed-timeout ${
      secs(s.options.reseedTimeoutMs)
    }), --auto-restore`,
  );
}

/** Runs the restore's current phase, the seed's watch and the automatic trigger. */
export function advanceRestore(ctx: Ctx): void {
  const run = ctx.s.restore?.run;
  if (run?.phase === "fencing") stepFencing(ctx, run);
  else if (run?.phase === "restoring") stepRestoring(ctx, run);
  watchSeed(ctx);
  if (ctx.s.restore?.run === undefined) maybeAutoRestore(ctx);
}

/** Times at which the restore needs a tick (bounds, re-sends, the automatic trigger). */
export function restoreDeadlines(s: State): number[] {
  const r = s.restore;
  if (r === undefined) return [];
  const at: number[] = [];
  const run = r.run;
  if (run !== undefined) {
    at.push(run.phaseAt + (run.phase === "fencing" ? stepBoundMs(s) : restoreBoundMs(s)));
    for (const t of run.targets) {
      const o = lastOrder(run, t);
      if (
        o !== undefined && (o.state === "undelivered" || (o.op === "stop" && o.state === "sent"))
      ) {
        at.push(o.sentAt + resendAfterMs(s));
      }
    }
  } else if (r.lostSince !== undefined && r.autoRestore && r.latest !== undefined) {
    at.push(r.lostSince + s.options.reseedTimeoutMs);
  }
  return at;
}
