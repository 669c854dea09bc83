/**
 * The reseed procedure after quorum loss, as a phase machine run after every input (pure).
 * It never blocks: status updates, probes and offers keep being handled while it waits
 * (the original held one lock for minutes).
 *
 * confirming → fencing → seeding → cleanup, then the normal add path regrows the cluster:
 * 1. A probe started after the decision re-checks the guard (quorum still lost) and ranks
 *    the survivors by the raft index each reported itself; no survivor → nothing happens
 *    (loud on `/healthz`, `/stats` and the log).
 * 2. Every live task but the best candidate is told to `stop` etcd, keeping its data, and
 *    must confirm before anything else happens (survivors that answered the probe must;
 *    unreachable ones are waited for up to the bound, then logged and passed over).
 * 3. The candidate is told to `reseed`: restart with `--force-new-cluster` on its own data
 *    dir. If a probe does not find it leading a membership of one within the bound, it is
 *    fenced again and the next candidate is tried; when none is left the reseed aborts and
 *    the members that were only fenced are restarted as they were.
 * 4. Once the seed is healthy the fenced tasks are killed (one destructive step, subject to
 *    `--destructive-interval`); stale etcd members are gone with `--force-new-cluster`, and
 *    any left over is pruned by the normal path, which then adds learners one at a time.
 *
 * Why `--force-new-cluster` rather than a snapshot restore: the survivor keeps its data dir,
 * member id and URLs, and everything in its WAL — entries it had committed but not yet
 * applied included, which a snapshot of the backend would drop — and restarts in seconds
 * whatever the database size, without copying data between agents. Its known danger
 * (members of the old cluster still alive, and acknowledged writes only on other members) is
 * why the survivors are fenced first, the highest raft index is chosen, and the other tasks
 * are killed only after the seed is healthy.
 *
 * @module
 */
import { isTerminal } from "../../lib/mesos/types.ts";
import { byTask, type Ctx, log, secs } from "./context.ts";
import { destructiveWait } from "./rate_limit.ts";
import { killTask } from "./retire.ts";
import {
  answered,
  evidenceFields,
  quorumEvidence,
  rankingLine,
  rankSurvivors,
  strayAhead,
} from "./reseed_evidence.ts";
import { isFenced, lastOrder, nextResendAt, resendOrders, sendOrder } from "./reseed_orders.ts";
import type { ReseedRun } from "./reseed_run.ts";
import { autoReseedAt, maybeAutoReseed } from "./reseed_trigger.ts";
import { discardedBy, rankingWithVolumes, volumeWait } from "./reseed_volumes.ts";
import { configuredMemberId, liveMembers, type MemberRecord, type State } from "./state.ts";

/** The shortest wait for one fencing round or one seed candidate. */
export const MIN_STEP_BOUND_MS = 30_000;

/** How long fencing, or one seed candidate, may take: `--reseed-timeout`, at least 30 s. */
export function stepBoundMs(s: State): number {
  return Math.max(s.options.reseedTimeoutMs, MIN_STEP_BOUND_MS);
}

const nameOf = (s: State, taskId: string) => byTask(s, taskId)?.name ?? taskId.split(" ")[0];

/** Ends the run: nothing to reseed from. */
function noSurvivor(ctx: Ctx, reason: string): void {
  const { s, now } = ctx;
  s.noSurvivor = { since: now, reason };
  s.reseed = undefined;
  log(ctx, "error", "NO SURVIVOR: nothing to reseed from; doing nothing destructive", {
    reason,
    ...evidenceFields(s),
  });
}

/** Gives up: restarts the members that were only fenced, and opens a new window. */
function abort(ctx: Ctx, run: ReseedRun, reason: string): void {
  const { s, now } = ctx;
  log(ctx, "error", "reseed aborted", { reseed: run.id, reason, ...evidenceFields(s) });
  for (const m of liveMembers(s)) {
    const stopped = lastOrder(run, m.taskId)?.op === "stop";
    const seeded = run.orders.some((o) => o.taskId === m.taskId && o.op === "reseed");
    if (stopped && !seeded) sendOrder(ctx, run, m, "restart", `${run.id} aborted: ${reason}`);
  }
  s.reseed = undefined;
  // A new attempt needs a new sustained window.
  if (s.quorumLostSince !== undefined) s.quorumLostSince = now;
}

/** True when a stop order to `m` is out and not yet answered. */
function stopPending(run: ReseedRun, m: MemberRecord): boolean {
  const last = lastOrder(run, m.taskId);
  return last?.op === "stop" && (last.state === "sent" || last.state === "undelivered");
}

/** The next candidate to seed, if any is left. */
function nextCandidate(s: State, run: ReseedRun): MemberRecord | undefined {
  for (const taskId of run.candidates) {
    const m = byTask(s, taskId);
    if (m !== undefined && !isTerminal(m.taskState) && !run.failed.includes(taskId)) return m;
  }
  return undefined;
}

/** Picks the next candidate and fences every other live task. */
function enterFencing(ctx: Ctx, run: ReseedRun): void {
  const { s, now } = ctx;
  const seed = nextCandidate(s, run);
  if (seed === undefined) {
    const tried = run.failed.map((t) => nameOf(s, t)).join(", ") || "none";
    return abort(ctx, run, `no candidate left (failed: ${tried})`);
  }
  run.seed = seed.taskId;
  run.phase = "fencing";
  run.phaseAt = now;
  const fence = liveMembers(s).filter((m) =>
    m.taskId !== seed.taskId && !isFenced(run, m) && !stopPending(run, m)
  );
  log(ctx, "warn", "reseed: fencing the other members before seeding", {
    reseed: run.id,
    seed: seed.name,
    fencing: fence.map((m) => m.name).join(",") || "none",
  });
  for (const m of fence) {
    sendOrder(ctx, run, m, "stop", `${run.id}: fence before seeding ${seed.name}`);
  }
  stepFencing(ctx, run);
}

function stepConfirming(ctx: Ctx, run: ReseedRun): void {
  const { s, now } = ctx;
  const probedAt = s.health.probeStartedAt;
  if (liveMembers(s).every((m) => m.taskState !== "TASK_RUNNING")) {
    return noSurvivor(ctx, "no member task is running");
  }
  if (probedAt === undefined || probedAt < run.startedAt) {
    if (now - run.phaseAt >= stepBoundMs(s)) abort(ctx, run, "no probe answered in time");
    return;
  }
  const e = quorumEvidence(s);
  if (!e.quorumLost) {
    log(ctx, "warn", "reseed cancelled: quorum is not lost", {
      reseed: run.id,
      ...evidenceFields(s),
    });
    s.reseed = undefined;
    return;
  }
  const ranked = rankSurvivors(s);
  if (ranked.length === 0) {
    return noSurvivor(ctx, "no member answered the probe with a raft index");
  }
  const ahead = strayAhead(s, ranked[0]!);
  if (ahead !== undefined) {
    s.reseedBlocked = ahead;
    return abort(ctx, run, ahead);
  }
  // A member that died meanwhile may hold newer data on its volume: a new window waits for it.
  const wait = volumeWait(s, now, ranked[0]);
  if (wait !== undefined) return abort(ctx, run, wait);
  s.reseedBlocked = undefined;
  run.candidates = ranked.map((m) => m.taskId);
  run.reachable = s.members.filter(answered).map((m) => m.taskId);
  s.counters.cluster_reseeds++;
  log(ctx, "warn", "reseed: survivors ranked by raft index", {
    reseed: run.id,
    source: run.source,
    ranking: rankingLine(ranked),
    withVolumes: rankingWithVolumes(s, ranked),
    ...evidenceFields(s),
  });
  const lost = discardedBy(s, ranked[0]!);
  if (lost.length > 0) {
    run.discards = lost;
    log(ctx, "error", "DATA LOSS: the reseed discards what only given-up volumes held", {
      reseed: run.id,
      seed: ranked[0]!.name,
      discards: lost.join("; "),
    });
  }
  enterFencing(ctx, run);
}

function stepFencing(ctx: Ctx, run: ReseedRun): void {
  const { s, now } = ctx;
  const seed = run.seed === undefined ? undefined : byTask(s, run.seed);
  if (seed === undefined || isTerminal(seed.taskState)) {
    if (run.seed !== undefined) run.failed.push(run.seed);
    return enterFencing(ctx, run);
  }
  const open = liveMembers(s).filter((m) => m !== seed && !isFenced(run, m));
  if (open.length > 0) {
    if (now - run.phaseAt < stepBoundMs(s)) return resendOrders(ctx, run);
    const reachable = open.filter((m) => run.reachable.includes(m.taskId));
    const names = (ms: MemberRecord[]) => ms.map((m) => m.name).join(",");
    if (reachable.length > 0) {
      return abort(ctx, run, `survivors ${names(reachable)} did not confirm their fence`);
    }
    log(ctx, "warn", "reseed: unreachable members did not confirm their fence; going on", {
      reseed: run.id,
      members: names(open),
    });
  }
  run.phase = "seeding";
  run.phaseAt = now;
  sendOrder(ctx, run, seed, "reseed", `${run.id}: best survivor, restart as a new cluster`);
  log(ctx, "warn", "reseed: seeding", {
    reseed: run.id,
    seed: seed.name,
    raftIndex: seed.raftIndex,
    bound: secs(stepBoundMs(s)),
  });
}

/** True when the last probe, started after the reseed order, finds `seed` leading alone. */
function seedHealthy(s: State, seed: MemberRecord, orderedAt: number): boolean {
  const voters = (s.etcdMembers ?? []).filter((e) => !e.isLearner);
  return s.health.healthy && (s.health.probeStartedAt ?? -Infinity) >= orderedAt &&
    voters.length === 1 && seed.memberId !== undefined && voters[0]!.id === seed.memberId &&
    s.health.leaderId === seed.memberId && seed.reachable === true;
}

function stepSeeding(ctx: Ctx, run: ReseedRun): void {
  const { s, now } = ctx;
  const seed = byTask(s, run.seed ?? "");
  const order = seed && lastOrder(run, seed.taskId, "reseed");
  let failure: string | undefined;
  if (seed === undefined || order === undefined) failure = "its record is gone";
  else if (isTerminal(seed.taskState)) failure = `its task is ${seed.taskState}`;
  else if (order.state === "failed") failure = `its executor reported: ${order.detail}`;
  else if (seedHealthy(s, seed, order.sentAt)) {
    run.phase = "cleanup";
    run.phaseAt = now;
    log(ctx, "warn", "reseed: the seed is healthy as a one-member cluster", {
      reseed: run.id,
      seed: seed.name,
      memberId: seed.memberId,
      raftIndex: seed.raftIndex,
      ...evidenceFields(s),
    });
    return stepCleanup(ctx, run);
  } else if (now - run.phaseAt >= stepBoundMs(s)) {
    failure = `not healthy within ${secs(stepBoundMs(s))}`;
  } else return resendOrders(ctx, run);
  const name = seed?.name ?? nameOf(s, run.seed ?? "");
  log(ctx, "warn", "reseed: seed failed; fencing it again and trying the next candidate", {
    reseed: run.id,
    seed: name,
    reason: failure,
    ...evidenceFields(s),
  });
  run.failed.push(run.seed!);
  // Fence it again at once, whether or not another candidate is left.
  if (seed !== undefined && !isTerminal(seed.taskState)) {
    sendOrder(ctx, run, seed, "stop", `${run.id}: seed ${seed.name} failed (${failure})`);
  }
  enterFencing(ctx, run);
}

function stepCleanup(ctx: Ctx, run: ReseedRun): void {
  const { s, now } = ctx;
  const seed = byTask(s, run.seed!)!;
  const victims = liveMembers(s).filter((m) => m !== seed);
  if (victims.length > 0) {
    const wait = destructiveWait(s.lastDestructiveAt, now, s.options.destructiveIntervalMs);
    if (wait > 0) {
      if (!run.deferred) {
        run.deferred = true;
        s.counters.destructive_deferred++;
        log(ctx, "info", "reseed: killing the fenced members is rate limited", {
          reseed: run.id,
          wait: secs(wait),
        });
      }
      return;
    }
    s.lastDestructiveAt = now;
    const reason = `fenced by ${run.id}; ${seed.name} reseeded the cluster`;
    for (const m of victims) {
      m.retiring = { reason, at: now, removed: configuredMemberId(s, m) === undefined };
      killTask(ctx, m, reason);
      log(ctx, "warn", "reseed: killing a fenced member", {
        member: m.name,
        task: m.taskId,
        reason,
      });
    }
  }
  s.reseed = undefined;
  s.lost = false;
  s.quorumLostSince = undefined;
  s.noSurvivor = undefined;
  s.reseedWait = undefined;
  s.volumesGivenUp = undefined;
  s.lastChangeAt = now;
  s.probeWanted = true;
  log(ctx, "warn", "reseed done: regrowing from the seed", {
    reseed: run.id,
    seed: seed.name,
    took: secs(now - run.startedAt),
    desired: s.options.clusterSize,
  });
}

/** Runs the reseed's current phase (or the automatic trigger when none runs). */
export function advanceReseed(ctx: Ctx): void {
  const run = ctx.s.reseed;
  if (run === undefined) return maybeAutoReseed(ctx);
  switch (run.phase) {
    case "confirming":
      return stepConfirming(ctx, run);
    case "fencing":
      return stepFencing(ctx, run);
    case "seeding":
      return stepSeeding(ctx, run);
    case "cleanup":
      return stepCleanup(ctx, run);
  }
}

/** Times at which the reseed needs a tick (bounds, re-sends, the trigger, the rate limit). */
export function reseedDeadlines(s: State): number[] {
  const run = s.reseed;
  if (run === undefined) {
    const at = autoReseedAt(s);
    return at === undefined ? [] : [at];
  }
  const at = [run.phaseAt + stepBoundMs(s)];
  const resend = nextResendAt(s, run);
  if (resend !== undefined) at.push(resend);
  if (run.phase === "cleanup" && s.lastDestructiveAt !== undefined) {
    at.push(s.lastDestructiveAt + s.options.destructiveIntervalMs);
  }
  return at;
}

/** What the reseed is doing, for `/healthz` and wait reasons. */
export function describeReseed(s: State): string | undefined {
  const run = s.reseed;
  if (run === undefined) return undefined;
  const seed = run.seed === undefined ? "?" : nameOf(s, run.seed);
  switch (run.phase) {
    case "confirming":
      return "confirming quorum loss";
    case "fencing": {
      const open = liveMembers(s).filter((m) => m.taskId !== run.seed && !isFenced(run, m));
      return `fencing ${open.map((m) => m.name).join(",") || "done"} before seeding ${seed}`;
    }
    case "seeding":
      return `seeding ${seed}`;
    case "cleanup":
      return `seed ${seed} healthy; killing the fenced members`;
  }
}
