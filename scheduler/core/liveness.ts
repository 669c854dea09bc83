/**
 * Liveness (pure): from any state the cluster must, within {@linkcode livenessBoundMs}, be
 * healthy at full size, be reseeding, or raise a loud alarm naming what blocks it. The alarm
 * is a WARN log, the `/healthz` reason (`STUCK: …`) and the `stuck` gauge of `/stats` and
 * `/metrics`; it clears by itself once the cluster is settled again.
 *
 * The clock starts when the cluster stops being settled and restarts on every sign of
 * progress (a member joined or removed, a reseed ranked its survivors), so a long repair
 * that keeps moving never alarms, and a state the core cannot leave always does.
 *
 * @module
 */
import { type Ctx, log, secs } from "./context.ts";
import { offerWaitReason } from "./offer_wait.ts";
import { type CoreOptions, phaseOf, runningMembers, type State } from "./state.ts";

/**
 * The longest the core may go without progress while the cluster is not healthy at full
 * size: the longest deliberate wait (grace period, launch timeout, the reseed window when
 * auto-reseed is on, or with persistent volumes the relaunch timeout), then one destructive interval, one probe timeout and six health
 * intervals for the steps that follow. With the defaults: 300 + 30 + 30 + 30 = 390 s.
 */
export function livenessBoundMs(o: CoreOptions): number {
  const longestWait = Math.max(
    o.memberGracePeriodMs,
    o.launchTimeoutMs,
    o.autoReseed ? o.reseedTimeoutMs : 0,
    // With volumes, a dead member waits this long for its agent to offer its volume back.
    o.volumes?.relaunchTimeoutMs ?? 0,
  );
  return longestWait + o.destructiveIntervalMs + o.probeTimeoutMs + 6 * o.healthIntervalMs;
}

/** Healthy at full size: a healthy verdict, `--cluster-size` running voters, nothing pending. */
export function isSettled(s: State): boolean {
  const voters = runningMembers(s).filter((m) => !m.learner).length;
  return phaseOf(s) === "mutable" && s.health.healthy && voters === s.options.clusterSize &&
    s.change === undefined && (s.strays ?? []).length === 0;
}

/** What keeps the cluster from settling, most specific first; `waiting` is the plan's wait. */
export function blockerOf(s: State, waiting: string | undefined): string {
  if (s.lost) return "total cluster loss: every member task is gone; nothing to reseed from";
  if (s.noSurvivor !== undefined) return `no survivor: ${s.noSurvivor.reason}`;
  if (s.reseedBlocked !== undefined) return `reseed blocked: ${s.reseedBlocked}`;
  const offers = offerWaitReason(s);
  if (offers !== undefined) return offers;
  if (s.quorumLostSince !== undefined && !s.options.autoReseed) {
    return "quorum lost and --auto-reseed is off: POST /reseed to reseed";
  }
  return waiting ?? s.health.reason;
}

function progressMark(s: State): number {
  const c = s.counters;
  return c.members_added + c.members_removed + c.cluster_reseeds;
}

/** Updates the liveness clock and raises or clears the alarm; `waiting` is the plan's wait. */
export function watchLiveness(ctx: Ctx, waiting: string | undefined): void {
  const { s, now } = ctx;
  const settled = isSettled(s);
  const mark = progressMark(s);
  const progressed = s.progressMark !== undefined && mark !== s.progressMark;
  s.progressMark = mark;
  if (settled || progressed || s.reseed !== undefined) {
    if (settled) s.unsettledSince = undefined;
    else if (progressed) s.unsettledSince = now;
    if (s.alarm !== undefined) {
      log(ctx, "info", "no longer stuck", { after: secs(now - s.alarm.since) });
      s.alarm = undefined;
    }
    if (settled || s.reseed !== undefined) return;
  }
  s.unsettledSince ??= now;
  const bound = livenessBoundMs(s.options);
  if (now - s.unsettledSince < bound) return;
  const blocker = blockerOf(s, waiting);
  const gist = (t: string) => t.replace(/[0-9]+/g, "#");
  if (s.alarm === undefined || gist(s.alarm.blocker) !== gist(blocker)) {
    log(ctx, "warn", `STUCK: ${blocker}`, {
      since: secs(now - s.unsettledSince),
      bound: secs(bound),
      health: s.health.reason,
    });
    s.alarm = { since: s.alarm?.since ?? now, blocker };
  } else {
    s.alarm.blocker = blocker;
  }
}

/** When the alarm would be raised, if the clock runs and it is not raised yet. */
export function livenessDeadline(s: State): number | undefined {
  if (s.unsettledSince === undefined || s.alarm !== undefined) return undefined;
  return s.unsettledSince + livenessBoundMs(s.options);
}
