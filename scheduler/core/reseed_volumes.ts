/**
 * Dead members whose volume is still reserved, in a reseed's ranking (pure).
 *
 * A member whose task ended keeps its data on its volume while it waits to be relaunched in
 * place. The last raft index it reported (kept in its volume record) is a lower bound of
 * what that volume holds, so it is ranked with the live survivors: when it is at least as
 * high as the best survivor's (or was never reported), seeding from the survivor could
 * discard writes only that volume has. The reseed then waits for it — the automatic trigger
 * until the member is relaunched (and ranked by what it reports then) or given up at
 * `--member-relaunch-timeout`; an operator's `POST /reseed` is refused with the ranking.
 * A member given up while quorum is lost is remembered, so the reseed that follows says
 * loudly what only it may have held.
 *
 * @module
 */
import { type Ctx, log, secs } from "./context.ts";
import { raftNumber } from "./health.ts";
import { rankSurvivors } from "./reseed_evidence.ts";
import type { MemberRecord, State } from "./state.ts";
import { awaitingRelaunch, lastKnownIndex } from "./volume_relaunch.ts";
import type { VolumeRecord } from "./volumes.ts";

/** A member waiting on its volume, with the last raft index it reported. */
export interface VolumeCandidate {
  record: VolumeRecord;
  index?: bigint;
}

/** Members waiting to be relaunched (not given up), with their last known raft index. */
export function volumeCandidates(s: State): VolumeCandidate[] {
  return awaitingRelaunch(s)
    .filter((r) => r.givenUp === undefined)
    .map((record) => ({ record, index: lastKnownIndex(s, record) }));
}

/**
 * True when `c` may hold data at least as new as `best`'s: its index is unknown, there is
 * no best survivor, or its last report is not below the survivor's (ties go to the volume:
 * its report is only a lower bound).
 */
function mayBeAhead(c: VolumeCandidate, best: MemberRecord | undefined): boolean {
  const bestIndex = best === undefined ? undefined : raftNumber(best.raftIndex);
  return c.index === undefined || bestIndex === undefined || c.index >= bestIndex;
}

/** Orders by raft index, highest first; unknown first (it may be anything), volumes on ties. */
function byIndex(
  a: { index?: bigint; volume?: boolean },
  b: { index?: bigint; volume?: boolean },
): number {
  if (a.index !== b.index) {
    if (a.index === undefined) return -1;
    if (b.index === undefined) return 1;
    return a.index > b.index ? -1 : 1;
  }
  return Number(b.volume ?? false) - Number(a.volume ?? false);
}

/** The waiting members a reseed from `best` could discard newer data of, best first. */
export function volumesAhead(
  s: State,
  best: MemberRecord | undefined = rankSurvivors(s)[0],
): VolumeCandidate[] {
  return volumeCandidates(s).filter((c) => mayBeAhead(c, best)).sort(byIndex);
}

/** Why a reseed from `best` must wait for a volume now, or undefined when it need not. */
export function volumeWait(
  s: State,
  now: number,
  best: MemberRecord | undefined = rankSurvivors(s)[0],
): string | undefined {
  const ahead = volumesAhead(s, best);
  if (ahead.length === 0) return undefined;
  const than = best === undefined ? "no survivor answered" : `${best.name}@${best.raftIndex}`;
  const names = ahead.map(({ record: r, index }) => {
    const until = r.relaunchBy === undefined ? "" : `, replaced in ${secs(r.relaunchBy - now)}`;
    return `${r.member}@${index ?? "?"} (volume on agent ${r.agentId}${until})`;
  });
  const which = ahead.length === 1 ? "its volume" : "their volumes";
  return `waiting to relaunch ${names.join(", ")} in place: ${which} may hold data newer ` +
    `than the best survivor's (${than})`;
}

/**
 * The ranking for logs and operators: live survivors and waiting volumes by raft index,
 * best first (a volume first on a tie or when its index is unknown).
 */
export function rankingWithVolumes(s: State, ranked: readonly MemberRecord[]): string {
  const rows = [
    ...ranked.map((m) => ({ index: raftNumber(m.raftIndex), text: `${m.name}@${m.raftIndex}` })),
    ...volumeCandidates(s).map(({ record: r, index }) => ({
      index,
      text: `${r.member}@${index ?? "?"} (task ended; volume on agent ${r.agentId}, awaiting ` +
        `relaunch)`,
      volume: true,
    })),
  ];
  rows.sort(byIndex);
  return rows.map((x) => x.text).join(", ") || "none";
}

/**
 * Members given up during this quorum loss whose volume may have held data newer than
 * `seed`'s: what the reseed from `seed` discards, one line each.
 */
export function discardedBy(s: State, seed: MemberRecord): string[] {
  const seedIndex = raftNumber(seed.raftIndex);
  return (s.volumesGivenUp ?? []).flatMap((g) => {
    const i = raftNumber(g.raftIndex);
    if (i !== undefined && seedIndex !== undefined && i < seedIndex) return [];
    return [`${g.member}@${g.raftIndex ?? "?"} > ${seed.name}@${seed.raftIndex} (${g.why})`];
  });
}

/**
 * Holds the automatic reseed back while a volume may be ahead of the best survivor; logs
 * the reason when it changes. Returns true while it must wait.
 */
export function holdForVolumes(ctx: Ctx): boolean {
  const { s } = ctx;
  const wait = volumeWait(s, ctx.now);
  // Logged when the member set changes, not on each step (the countdown is in the text).
  const key = wait === undefined ? undefined : volumesAhead(s).map((c) => c.record.member).join();
  if (key !== s.reseedWait) {
    s.reseedWait = key;
    if (wait !== undefined) {
      log(ctx, "warn", "automatic reseed waits for a member's volume", {
        reason: wait,
        ranking: rankingWithVolumes(s, rankSurvivors(s)),
      });
    }
  }
  return wait !== undefined;
}
