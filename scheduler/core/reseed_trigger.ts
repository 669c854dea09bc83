/**
 * When a reseed starts (pure): the no-quorum window kept from probe to probe, the automatic
 * trigger once that window has lasted `--reseed-timeout`, and an operator's request (which
 * works with auto-reseed off but still needs quorum to be lost).
 *
 * Guardrails, as etcd's maintainers asked of automatic `--force-new-cluster`: the window must
 * be sustained (one probe with a quorum ends it, so a flapping cluster never qualifies), a
 * majority of the voters must be unreachable and no reachable member may have a leader. Every
 * decision is logged with each member's reachability and raft index.
 *
 * @module
 */
import { type Ctx, log, secs } from "./context.ts";
import {
  evidenceFields,
  quorumEvidence,
  quorumLine,
  rankSurvivors,
  strayAhead,
} from "./reseed_evidence.ts";
import type { ReseedRun } from "./reseed_run.ts";
import { runningMembers, type State } from "./state.ts";
import {
  discardedBy,
  holdForVolumes,
  rankingWithVolumes,
  volumesAhead,
  volumeWait,
} from "./reseed_volumes.ts";

/** Updates the no-quorum window and the no-survivor flag after a probe answer. */
export function trackQuorum(ctx: Ctx): void {
  const { s, now } = ctx;
  const e = quorumEvidence(s);
  if (s.noSurvivor !== undefined && e.reachable > 0) {
    log(ctx, "info", "a member answers again: no longer without survivors", evidenceFields(s));
    s.noSurvivor = undefined;
  }
  if (e.quorumLost) {
    if (s.quorumLostSince === undefined) {
      s.quorumLostSince = s.health.probeStartedAt ?? now;
      s.counters.cluster_livelocks++;
      log(ctx, "warn", "quorum lost", {
        ...evidenceFields(s),
        reseedIn: s.options.autoReseed ? secs(s.options.reseedTimeoutMs) : "never (auto off)",
      });
    }
  } else if (s.quorumLostSince !== undefined) {
    s.reseedBlocked = undefined;
    s.reseedWait = undefined;
    s.volumesGivenUp = undefined;
    log(ctx, "info", "quorum is back", {
      after: secs(now - s.quorumLostSince),
      quorum: quorumLine(e),
    });
    s.quorumLostSince = undefined;
  }
}

/** Why a reseed may not start now (for any source), or undefined when it may. */
function blocker(s: State): string | undefined {
  if (s.reseed !== undefined) return `a reseed is already running (${s.reseed.phase})`;
  if (s.restore?.run !== undefined) return `a restore is running (${s.restore.run.id})`;
  if (!s.connected) return "not connected to the master";
  if (!s.reconciled) return "still reconciling tasks with the master";
  return undefined;
}

/** Starts a reseed in its `confirming` phase and asks for a fresh probe. */
export function startReseed(ctx: Ctx, source: ReseedRun["source"], reason: string): ReseedRun {
  const { s, now } = ctx;
  const c = s.change;
  if (c !== undefined) {
    log(ctx, "warn", "abandoning a membership change for the reseed", { change: c.kind });
    if (c.kind === "add" && c.offerId !== undefined && !c.offerLost) {
      ctx.fx.push({
        type: "decline",
        offerIds: [c.offerId],
        refuseSeconds: s.options.offerRefuseSeconds,
      });
      s.filtered = true;
    }
    s.change = undefined;
  }
  const run: ReseedRun = {
    id: `reseed-${s.counters.cluster_reseeds + 1}`,
    source,
    reason,
    startedAt: now,
    phase: "confirming",
    phaseAt: now,
    candidates: [],
    reachable: [],
    failed: [],
    orders: [],
    seq: 0,
  };
  s.reseed = run;
  s.probeWanted = true;
  log(ctx, "warn", "reseed started: confirming quorum loss with a fresh probe", {
    reseed: run.id,
    source,
    reason,
    ...evidenceFields(s),
  });
  return run;
}

/** Starts a reseed when auto-reseed is on and quorum has been lost for `--reseed-timeout`. */
export function maybeAutoReseed(ctx: Ctx): void {
  const { s, now } = ctx;
  const o = s.options;
  const since = s.quorumLostSince;
  if (!o.autoReseed || since === undefined || !s.clusterFormed || s.noSurvivor !== undefined) {
    return;
  }
  if (blocker(s) !== undefined) return;
  // The evidence must span the window: the latest probe started reseed-timeout after the
  // first one that found quorum lost (without any running member there is nothing to probe).
  const evidenceAt = runningMembers(s).length === 0 ? now : s.health.probeStartedAt;
  if (evidenceAt === undefined || evidenceAt - since < o.reseedTimeoutMs) return;
  // A member waiting to come back from its volume may hold newer data than any survivor:
  // no automatic reseed until it is relaunched or given up (--member-relaunch-timeout).
  if (holdForVolumes(ctx)) return;
  startReseed(
    ctx,
    "auto",
    `no quorum for ${secs(now - since)} (--reseed-timeout ${secs(o.reseedTimeoutMs)})`,
  );
}

/** When the automatic trigger may next fire, if the window is open. */
export function autoReseedAt(s: State): number | undefined {
  const since = s.quorumLostSince;
  if (!s.options.autoReseed || since === undefined || s.reseed !== undefined) return undefined;
  return since + s.options.reseedTimeoutMs;
}

/** An operator's `POST /reseed`: start (reply accepted) or refuse with the reason. */
export function onAdminReseed(ctx: Ctx, requestId: number | undefined): void {
  const { s, now } = ctx;
  const reply = (accepted: boolean, message: string) => {
    ctx.fx.push({ type: "adminReply", requestId, accepted, message });
    log(ctx, "warn", accepted ? "operator reseed accepted" : "operator reseed refused", {
      reason: message,
      ...evidenceFields(s),
    });
  };
  const blocked = blocker(s);
  if (blocked !== undefined) return reply(false, blocked);
  if (s.lost) {
    return reply(false, "no survivor: every member task is gone; nothing to reseed from");
  }
  if (s.health.checkedAt === undefined) return reply(false, "no member has been probed yet");
  const e = quorumEvidence(s);
  if (!e.quorumLost) return reply(false, `quorum is not lost: ${quorumLine(e)}`);
  const ranked = rankSurvivors(s);
  if (ranked.length === 0) {
    const reason = `no member answered the last probe with a raft index (${quorumLine(e)})`;
    s.noSurvivor ??= { since: now, reason };
    log(ctx, "error", "NO SURVIVOR: nothing to reseed from", evidenceFields(s));
    return reply(false, `no survivor: ${reason}`);
  }
  const ahead = strayAhead(s, ranked[0]!);
  if (ahead !== undefined) return reply(false, ahead);
  const ranking = `ranking: ${rankingWithVolumes(s, ranked)}`;
  const wait = volumeWait(s, now, ranked[0]);
  if (wait !== undefined) {
    const first = volumesAhead(s, ranked[0])[0]!.record.member;
    return reply(
      false,
      `${wait}; ${ranking}; wait for the relaunch, or give the volume up with ` +
        `POST /members/${first}/replace and reseed again`,
    );
  }
  const lost = discardedBy(s, ranked[0]!);
  const run = startReseed(ctx, "admin", "requested by an operator");
  reply(
    true,
    `${run.id} started: quorum lost (${quorumLine(e)}); best survivor so far ${
      ranked[0]!.name
    } at raft index ${ranked[0]!.raftIndex}; ${ranking}${
      lost.length > 0
        ? `; DISCARDS the data only these given-up volumes held: ${lost.join("; ")}`
        : ""
    }; confirming with a fresh probe`,
  );
}
