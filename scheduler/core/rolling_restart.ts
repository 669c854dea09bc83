/**
 * Rolling restart and upgrade (pure): an operator's `POST /rolling-restart` restarts every
 * member in place, one at a time, with a new etcd (binary URI and/or flags; see
 * rolling_restart_run.ts for the state and contract/etcd_spec.ts for the spec).
 *
 * - Accepted only while the cluster is healthy and nothing else changes it (no run, no
 *   membership change, reseed or restore); refused with the reason otherwise.
 * - Followers of the current leader go first. When only the leader is left, leadership is
 *   moved to a restarted member with etcd's MoveLeader (`etcdMoveLeader`), and the old
 *   leader is restarted once a probe shows the new leader.
 * - Each step sends a `restart` order with the spec to the member's executor, and is done
 *   when the executor reports etcd healthy AND a probe started after that finds the cluster
 *   healthy with the member within {@linkcode MAX_CATCH_UP_LAG} raft entries of the leader.
 * - Every wait is bounded by {@linkcode rollingStepBoundMs}: past it the run stops on that
 *   member (an ERROR log, `/healthz` says so, an audit event) and goes no further; members
 *   launched later get the etcd chosen before the run again.
 * - The chosen spec and the run's progress are persisted (`persistRollingRestart`) after every
 *   change: members launched later get the spec, and a restarted scheduler resumes the run
 *   (the member that was being restarted is restarted again).
 *
 * @module
 */
import { isTerminal } from "../../lib/mesos/types.ts";
import type { EtcdSpec } from "../../contract/etcd_spec.ts";
import { byName, type Ctx, log, memberClientUrl, secs } from "./context.ts";
import { raftNumber } from "./health.ts";
import type { OrderOutcomeInput } from "./inputs.ts";
import { healthIsFresh } from "./membership.ts";
import { resendAfterMs } from "./reseed_orders.ts";
import type {
  RollingRestartInput,
  RollingRestartRecord,
  RollingRestartRun,
  RollingRestartState,
  RollingStep,
} from "./rolling_restart_run.ts";
import { liveMembers, type MemberRecord, runningMembers, type State } from "./state.ts";
import { executorIdOf } from "./task_info.ts";

/** A restarted member is caught up within this many raft entries of the leader. */
export const MAX_CATCH_UP_LAG = 100n;

/** How far a resumed run numbers its orders past the stored count. */
const RESUMED_SEQ_GAP = 100;

/** The shortest bound of one step. */
export const MIN_ROLLING_STEP_BOUND_MS = 120_000;

/**
 * How long one step (and a wait for health between steps) may take: two minutes, or ten
 * health intervals. (A member silent beyond `--member-grace-period` may be replaced by the
 * repair before that; its step then fails as "its task ended".)
 */
export function rollingStepBoundMs(s: State): number {
  return Math.max(MIN_ROLLING_STEP_BOUND_MS, 10 * s.options.healthIntervalMs);
}

/** The rolling-restart part of the state, created on first use. */
export function rollingState(s: State): RollingRestartState {
  s.rollingRestart ??= { started: 0, finished: 0 };
  return s.rollingRestart;
}

/** The record to keep in ZooKeeper. */
export function rollingRecord(r: RollingRestartState): RollingRestartRecord {
  const run = r.run;
  return {
    ...(r.spec !== undefined ? { spec: r.spec } : {}),
    started: r.started,
    finished: r.finished,
    ...(run !== undefined
      ? {
        run: {
          id: run.id,
          spec: run.spec,
          ...(run.previousSpec !== undefined ? { previousSpec: run.previousSpec } : {}),
          startedAt: run.startedAt,
          targets: run.targets,
          done: run.done,
          ...(run.leaderMovedFrom !== undefined ? { leaderMovedFrom: run.leaderMovedFrom } : {}),
          seq: run.seq,
        },
      }
      : {}),
    ...(r.failed !== undefined ? { failed: r.failed } : {}),
  };
}

function persist(ctx: Ctx): void {
  ctx.fx.push({ type: "persistRollingRestart", record: rollingRecord(rollingState(ctx.s)) });
}

/** What the run is doing, for `/stats`, `/healthz` and logs; undefined when none runs. */
export function describeRollingRestart(s: State): string | undefined {
  const run = s.rollingRestart?.run;
  if (run === undefined) return undefined;
  const c = run.current;
  const now = c === undefined
    ? "between steps"
    : c.phase === "moving-leader"
    ? `moving leadership from ${c.name} to ${c.leaderTarget?.name}`
    : `${c.phase} ${c.name}`;
  return `${run.id}: ${run.done.length} of ${run.targets.length} done; ${now}`;
}

/** The last failed run, for `/healthz`, until another run starts. */
export function rollingRestartFailure(s: State): string | undefined {
  const f = s.rollingRestart?.failed;
  return f === undefined
    ? undefined
    : `ROLLING RESTART FAILED: ${f.runId} stopped on ${f.member}: ${f.reason}`;
}

function leaderRecord(s: State): MemberRecord | undefined {
  const id = s.health.leaderId;
  return id === undefined ? undefined : runningMembers(s).find((m) => m.memberId === id);
}

/** Why no run may start now, or undefined. */
function startBlocker(s: State): string | undefined {
  const r = s.rollingRestart;
  if (r?.run !== undefined) return `${r.run.id} is already running (${describeRollingRestart(s)})`;
  if (!s.connected) return "not connected to the master";
  if (!s.reconciled) return "still reconciling tasks with the master";
  if (s.reseed !== undefined) return "a reseed is running";
  if (s.restore?.run !== undefined) return "a restore is running";
  if (s.change !== undefined) return `a membership change is in progress (${s.change.kind})`;
  if (!s.health.healthy) return `the cluster is not healthy: ${s.health.reason}`;
  const live = liveMembers(s);
  const notRunning = live.find((m) => m.taskState !== "TASK_RUNNING" || m.learner);
  if (notRunning !== undefined) {
    return `${notRunning.name} is not a running voter yet (${notRunning.taskState})`;
  }
  if (live.length < s.options.clusterSize) {
    return `the cluster is short of its size (${live.length} of ${s.options.clusterSize})`;
  }
  return undefined;
}

/** The names to restart: followers of the current leader first (oldest first), leader last. */
function restartOrder(s: State): string[] {
  const leader = leaderRecord(s);
  const followers = runningMembers(s).filter((m) => m !== leader).map((m) => m.name);
  return leader === undefined ? followers : [...followers, leader.name];
}

/** An operator's `POST /rolling-restart`: decided at once, carried out by later steps. */
export function onRollingRestartRequest(
  ctx: Ctx,
  input: Extract<RollingRestartInput, { type: "rollingRestart" }>,
): void {
  const { s, now } = ctx;
  const reply = (accepted: boolean, message: string): void => {
    ctx.fx.push({ type: "adminReply", requestId: input.requestId, accepted, message });
    log(ctx, "warn", `operator rolling restart ${accepted ? "accepted" : "refused"}`, {
      reason: message,
    });
  };
  const blocked = startBlocker(s);
  if (blocked !== undefined) return reply(false, blocked);
  const r = rollingState(s);
  // Fields not given keep the etcd chosen before (a new binary keeps the flags, and so on).
  const spec: EtcdSpec = { ...r.spec, ...input.spec };
  const run: RollingRestartRun = {
    id: `rolling-restart-${++r.started}`,
    spec,
    ...(r.spec !== undefined ? { previousSpec: r.spec } : {}),
    startedAt: now,
    targets: restartOrder(s),
    done: [],
    seq: 0,
  };
  r.run = run;
  r.spec = spec;
  r.failed = undefined;
  persist(ctx);
  reply(
    true,
    `${run.id} started: restarting ${run.targets.join(", ")} one at a time (the leader last)` +
      `${spec.uri !== undefined ? ` with etcd from ${spec.uri}` : ""}` +
      `${spec.flags?.length ? ` and flags ${spec.flags.join(" ")}` : ""}`,
  );
}

/** A previous scheduler's record: the chosen etcd, and a run to resume. */
export function onRollingRestartLoaded(
  ctx: Ctx,
  record: RollingRestartRecord,
): void {
  const r = rollingState(ctx.s);
  r.spec = record.spec;
  r.started = Math.max(r.started, record.started);
  r.finished = Math.max(r.finished, record.finished);
  r.failed = record.failed;
  if (record.run !== undefined) {
    // Orders sent after the last record was written count too: skip well past them.
    r.run = { ...record.run, seq: (record.run.seq ?? 0) + RESUMED_SEQ_GAP };
    log(ctx, "warn", "resuming a rolling restart", {
      run: record.run.id,
      done: record.run.done.join(","),
      left: record.run.targets.filter((t) => !record.run!.done.includes(t)).join(","),
    });
  }
}

/** Every launch of this step carries the etcd an operator chose (members launched later). */
export function withChosenEtcd(ctx: Ctx): void {
  const spec = ctx.s.rollingRestart?.spec;
  if (spec === undefined || (spec.uri === undefined && spec.flags === undefined)) return;
  for (const e of ctx.fx) {
    if (e.type === "launch") e.member.config = { ...e.member.config, etcd: spec };
  }
}

/** Records the executor's outcome of the current step's restart order (ignores others). */
export function onRollingOutcome(ctx: Ctx, input: OrderOutcomeInput): void {
  const run = ctx.s.rollingRestart?.run;
  const c = run?.current;
  if (run === undefined || c === undefined || input.orderId !== c.orderId) return;
  if (c.phase !== "restarting") return;
  const fields = { run: run.id, member: c.name, order: c.orderId, message: input.message };
  if (input.undelivered) {
    c.undelivered = true;
    log(ctx, "warn", "rolling restart order not delivered; will send again", fields);
    return;
  }
  if (!input.ok) return fail(ctx, run, c.name, `its restart failed: ${input.message}`);
  c.phase = "catching-up";
  c.okAt = ctx.now;
  ctx.s.probeWanted = true;
  log(ctx, "info", "rolling restart: etcd restarted; waiting for it to catch up", fields);
}

/** The answer to `etcdMoveLeader`. */
export function onLeaderMoved(
  ctx: Ctx,
  input: Extract<RollingRestartInput, { type: "leaderMoved" }>,
): void {
  const run = ctx.s.rollingRestart?.run;
  const c = run?.current;
  if (c?.phase !== "moving-leader" || c.leaderTarget?.memberId !== input.targetMemberId) return;
  if (input.ok) {
    c.okAt = ctx.now;
    ctx.s.probeWanted = true;
    log(ctx, "info", "rolling restart: leadership moved", {
      from: c.name,
      to: c.leaderTarget.name,
    });
  } else {
    c.moveError = input.detail ?? "failed";
    log(ctx, "warn", "rolling restart: MoveLeader failed; will try again", {
      from: c.name,
      to: c.leaderTarget.name,
      error: c.moveError,
    });
  }
}

function fail(ctx: Ctx, run: RollingRestartRun, member: string, reason: string): void {
  const r = rollingState(ctx.s);
  r.run = undefined;
  r.failed = { at: ctx.now, runId: run.id, member, reason };
  // Replacements launch the etcd known to work, not the one that just failed.
  r.spec = run.previousSpec;
  persist(ctx);
  log(ctx, "error", "ROLLING RESTART FAILED: stopped; the remaining members are not restarted", {
    run: run.id,
    member,
    reason,
    done: run.done.join(","),
  });
}

function sendRestart(ctx: Ctx, run: RollingRestartRun, c: RollingStep, m: MemberRecord): void {
  c.phase = "restarting";
  c.orderId = `${run.id}-restart-${m.name}-${++run.seq}`;
  c.sentAt = ctx.now;
  c.undelivered = false;
  ctx.fx.push({
    type: "executorOrder",
    taskId: m.taskId,
    agentId: m.agentId,
    executorId: executorIdOf(m),
    order: { op: "restart", id: c.orderId, taskId: m.taskId, etcd: run.spec },
    reason: `${run.id}: restart ${m.name} in place with the chosen etcd`,
  });
  log(ctx, "info", "rolling restart: restarting a member", {
    run: run.id,
    member: m.name,
    order: c.orderId,
  });
}

function sendMoveLeader(ctx: Ctx, c: RollingStep, leader: MemberRecord): void {
  const t = c.leaderTarget!;
  c.sentAt = ctx.now;
  c.moveError = undefined;
  ctx.fx.push({
    type: "etcdMoveLeader",
    leaderEndpoint: memberClientUrl(leader),
    targetMemberId: t.memberId,
    from: leader.name,
    to: t.name,
  });
}

/** True when `m` answered, is a voter and is within the lag of the leader. */
function caughtUp(s: State, m: MemberRecord): boolean {
  const leader = leaderRecord(s);
  const mine = raftNumber(m.raftIndex);
  const theirs = raftNumber(leader?.raftIndex);
  if (!m.reachable || m.learner || mine === undefined || theirs === undefined) return false;
  return theirs - mine <= MAX_CATCH_UP_LAG;
}

/** The restarted voter to hand leadership to: the last one done that answers. */
function leaderTarget(s: State, run: RollingRestartRun, leader: MemberRecord) {
  const voters = runningMembers(s).filter((m) =>
    m !== leader && !m.learner && m.reachable === true && m.memberId !== undefined
  );
  const done = [...run.done].reverse().map((n) => voters.find((v) => v.name === n));
  const pick = done.find((m) => m !== undefined) ?? voters[0];
  return pick === undefined ? undefined : { name: pick.name, memberId: pick.memberId! };
}

/** Starts the next step, or finishes the run. */
function nextStep(ctx: Ctx, run: RollingRestartRun): void {
  const { s, now } = ctx;
  const live = liveMembers(s);
  // A member replaced meanwhile was launched with the chosen etcd: nothing to restart.
  const left = run.targets.filter((n) => !run.done.includes(n) && live.some((m) => m.name === n));
  if (left.length === 0) {
    const r = rollingState(s);
    r.run = undefined;
    r.finished++;
    r.last = { at: now, runId: run.id, members: run.done };
    persist(ctx);
    log(ctx, "warn", "rolling restart finished", { run: run.id, members: run.done.join(",") });
    return;
  }
  const ready = s.health.healthy && healthIsFresh(s) && s.change === undefined &&
    s.reseed === undefined && s.restore?.run === undefined;
  if (!ready) {
    run.waitingSince ??= now;
    if (now - run.waitingSince >= rollingStepBoundMs(s)) {
      const why = s.health.healthy
        ? "another change kept going"
        : `the cluster stayed unhealthy (${s.health.reason})`;
      fail(ctx, run, left[0]!, `${why} for ${secs(now - run.waitingSince)} before its restart`);
    }
    return;
  }
  run.waitingSince = undefined;
  const leader = leaderRecord(s);
  const name = left.find((n) => n !== leader?.name) ?? left[0]!;
  const m = byName(s, name)!;
  const c: RollingStep = { name, taskId: m.taskId, phase: "restarting", since: now };
  run.current = c;
  const target = m === leader ? leaderTarget(s, run, m) : undefined;
  if (target === undefined) return sendRestart(ctx, run, c, m);
  c.phase = "moving-leader";
  c.leaderTarget = target;
  log(ctx, "info", "rolling restart: moving leadership before restarting the leader", {
    run: run.id,
    from: m.name,
    to: target.name,
  });
  sendMoveLeader(ctx, c, m);
}

/** Moves the current step on, or fails it past its bound. */
function advanceStep(ctx: Ctx, run: RollingRestartRun, c: RollingStep): void {
  const { s, now } = ctx;
  const m = byName(s, c.name);
  if (m === undefined || m.taskId !== c.taskId || isTerminal(m.taskState) || m.retiring) {
    return fail(ctx, run, c.name, `its task ended while ${c.phase}`);
  }
  if (c.phase === "moving-leader") {
    const movedOn = c.okAt !== undefined && s.health.leaderId !== undefined &&
      s.health.leaderId !== m.memberId && s.health.healthy &&
      (s.health.probeStartedAt ?? -Infinity) >= c.okAt;
    if (movedOn) {
      run.leaderMovedFrom = c.name;
      persist(ctx);
      return sendRestart(ctx, run, c, m);
    }
    if (c.okAt === undefined && now - (c.sentAt ?? now) >= resendAfterMs(s)) {
      const leader = leaderRecord(s);
      // Leadership may have moved by itself meanwhile: restart once it is not this member.
      if (leader !== undefined && leader !== m && s.health.healthy) {
        return sendRestart(ctx, run, c, m);
      }
      if (leader === m) sendMoveLeader(ctx, c, m);
    }
  } else if (c.phase === "restarting") {
    if (c.undelivered && s.connected && now - (c.sentAt ?? now) >= resendAfterMs(s)) {
      sendRestart(ctx, run, c, m);
    }
  } else if (
    s.health.healthy && (s.health.probeStartedAt ?? -Infinity) >= (c.okAt ?? Infinity) &&
    caughtUp(s, m)
  ) {
    run.done.push(c.name);
    run.current = undefined;
    persist(ctx);
    log(ctx, "info", "rolling restart: member restarted, healthy and caught up", {
      run: run.id,
      member: c.name,
      raftIndex: m.raftIndex,
      done: `${run.done.length}/${run.targets.length}`,
    });
    return;
  }
  if (run.current === c && now - c.since >= rollingStepBoundMs(s)) {
    fail(ctx, run, c.name, stuckReason(s, c, m, now));
  }
}

function stuckReason(s: State, c: RollingStep, m: MemberRecord, now: number): string {
  const took = `within ${secs(now - c.since)}`;
  if (c.phase === "moving-leader") {
    return `leadership did not move to ${c.leaderTarget?.name} ${took}` +
      `${c.moveError !== undefined ? ` (${c.moveError})` : ""}`;
  }
  if (c.phase === "restarting") return `its executor did not report etcd healthy ${took}`;
  const leader = leaderRecord(s);
  return `not healthy and caught up ${took} (raft index ${m.raftIndex ?? "?"}, leader ${
    leader?.raftIndex ?? "?"
  }; ${m.reachable ? "answers" : `does not answer: ${m.lastError ?? "?"}`}; cluster ${
    s.health.healthy ? "healthy" : `unhealthy: ${s.health.reason}`
  })`;
}

/** Runs after every input: carries the run one step further. */
export function advanceRollingRestart(ctx: Ctx): void {
  const run = ctx.s.rollingRestart?.run;
  if (run === undefined || !ctx.s.connected || !ctx.s.reconciled) return;
  const c = run.current;
  if (c === undefined) return nextStep(ctx, run);
  advanceStep(ctx, run, c);
  if (ctx.s.rollingRestart?.run === run && run.current === undefined) nextStep(ctx, run);
}

/** When the run's next bound or resend falls due. */
export function rollingRestartDeadlines(s: State): number[] {
  const run = s.rollingRestart?.run;
  if (run === undefined) return [];
  const bound = rollingStepBoundMs(s);
  const c = run.current;
  if (c === undefined) return run.waitingSince === undefined ? [] : [run.waitingSince + bound];
  const at = [c.since + bound];
  if (c.sentAt !== undefined) at.push(c.sentAt + resendAfterMs(s));
  return at;
}
