/**
 * Static bootstrap (pure): a brand-new cluster starts all `--cluster-size` members at once
 * with one static `--initial-cluster`, instead of one member and N-1 joins (each join waits
 * about 5 s for etcd 3.4's strict reconfiguration).
 *
 * - **Gathering.** While the plan is `bootstrap` for a brand-new cluster (no member, no etcd
 *   membership, never formed, not a reseed or a restore), fitting offers on distinct agents
 *   are held until N are held, then all N launch at once (`new`, one token, every peer
 *   listed). When fewer agents offered within `staticBootstrapGatherMs` of the first held
 *   offer, the first one bootstraps one member (the one-by-one path) and the rest are
 *   declined.
 * - **Forming.** The change lasts until a fresh probe finds the cluster healthy (a quorum
 *   elected a leader). A member that failed meanwhile is then replaced by the usual repair
 *   path (its etcd member removed, a new one joined).
 * - **Falling back.** When a quorum can no longer form (too many members ended) or the
 *   cluster is not healthy within `launchTimeoutMs`, every static member is killed. Once they
 *   all ended (or that same bound passed), their records and their never-formed membership
 *   are forgotten, and the cluster is brought up one member at a time.
 *
 * @module
 */
import { isTerminal, type Offer } from "../../lib/mesos/types.ts";
import { type InitialClusterEntry, peerUrl } from "../../contract/member_config.ts";
import { isUsableHost, memberName } from "../../contract/task_id.ts";
import { type Ctx, log, secs } from "./context.ts";
import { healthIsFresh, planNext } from "./membership.ts";
import { noteUnfitOffer, offerFitted } from "./offer_wait.ts";
import { bootstrapOn, launchNew, needsOf, placed } from "./offers.ts";
import { fitOffer, placementConflict } from "./placement.ts";
import { killTask } from "./retire.ts";
import { MAX_ENDED_TASK_IDS, memberPeerUrl, type State } from "./state.ts";

/** The change in flight while the members of a static bootstrap form their cluster. */
export interface StaticBootstrapChange {
  kind: "staticBootstrap";
  /** The first member's name (for messages that name one member). */
  name: string;
  /** Every member launched. */
  names: string[];
  startedAt: number;
}

/** Offers held for a static bootstrap, or what is left of a failed one. */
export interface StaticBootstrap {
  /** Fitting offers held, one per agent, since the first was held. */
  gather?: { since: number; offers: Offer[] };
  /** The static members were killed: waiting (bounded) for their tasks to end. */
  abandoned?: { at: number; reason: string; names: string[] };
  /** A static bootstrap failed: new clusters come up one member at a time from now on. */
  failed?: { reason: string; peerUrls: string[] };
}

/** The size of a quorum of `n` voters. */
function quorum(n: number): number {
  return Math.floor(n / 2) + 1;
}

/** True when a bootstrap of `s` should gather offers to launch every member at once. */
export function gathersOffers(s: State): boolean {
  const o = s.options;
  return o.staticBootstrapGatherMs > 0 && o.clusterSize > 1 && s.connected &&
    s.staticBootstrap?.failed === undefined && s.staticBootstrap?.abandoned === undefined &&
    s.members.length === 0 && !s.clusterFormed && (s.etcdMembers?.length ?? 0) === 0 &&
    s.reseed === undefined && s.restore?.seed === undefined && !s.lost;
}

/**
 * Handles an OFFERS event while gathering: holds each fitting offer on an agent the held
 * ones leave free, declines the rest, and launches every member once N are held.
 */
export function gatherOffers(ctx: Ctx, offers: readonly Offer[]): void {
  const { s, now } = ctx;
  const o = s.options;
  const held = s.staticBootstrap?.gather?.offers ?? [];
  const short: string[] = [];
  const idle: string[] = [];
  const seen = new Set(held.map((x) => x.id.value));
  for (const offer of offers) {
    const id = offer.id.value;
    if (seen.has(id)) {
      log(ctx, "warn", "ignoring an offer id seen already", { offer: id, held: true });
      continue;
    }
    seen.add(id);
    const asPlaced = [...placed(s), ...held.map(heldAsPlaced)];
    if (held.length >= o.clusterSize || !isUsableHost(offer.hostname)) {
      idle.push(id);
    } else if (placementConflict(offer, asPlaced, o.placement) !== undefined) {
      idle.push(id);
    } else if (!fitOffer(offer, needsOf(s)).ok) {
      short.push(id);
      noteUnfitOffer(s, now, offer);
    } else {
      held.push(offer);
      offerFitted(ctx);
    }
  }
  if (held.length > 0) {
    const since = s.staticBootstrap?.gather?.since ?? now;
    s.staticBootstrap = { ...s.staticBootstrap, gather: { since, offers: held } };
  }
  decline(ctx, short, o.offerRefuseSeconds);
  decline(ctx, idle, o.idleRefuseSeconds);
  if (held.length >= o.clusterSize) launchAll(ctx);
  else if (held.length > 0) {
    log(ctx, "debug", "holding offers for a static bootstrap", {
      held: held.length,
      wanted: o.clusterSize,
    });
  }
}

function heldAsPlaced(offer: Offer) {
  return {
    name: `offer ${offer.id.value}`,
    agentId: offer.agent_id.value,
    hostname: offer.hostname,
  };
}

function decline(ctx: Ctx, offerIds: string[], refuseSeconds: number): void {
  if (offerIds.length === 0) return;
  ctx.fx.push({ type: "decline", offerIds, refuseSeconds });
  ctx.s.filtered = true;
  ctx.s.counters.offers_declined += offerIds.length;
}

/** Launches one member on each of the first N held offers, all listing each other. */
function launchAll(ctx: Ctx): void {
  const { s, now } = ctx;
  const n = s.options.clusterSize;
  const offers = s.staticBootstrap?.gather?.offers ?? [];
  s.staticBootstrap = { ...s.staticBootstrap, gather: undefined };
  const picks = offers.slice(0, n).map((offer) => {
    const fit = fitOffer(offer, needsOf(s));
    if (!fit.ok) throw new Error(`held offer ${offer.id.value} no longer fits: ${fit.reason}`);
    return { offer, fit, name: memberName(s.nextIndex++) };
  });
  decline(ctx, offers.slice(n).map((x) => x.id.value), s.options.idleRefuseSeconds);
  const peers: InitialClusterEntry[] = picks.map((p) => ({
    name: p.name,
    peerUrl: peerUrl(p.offer.hostname, p.fit.allocation.peerPort),
  }));
  for (const p of picks) launchNew(ctx, p.offer, p.fit, { name: p.name, peers });
  const names = picks.map((p) => p.name);
  s.change = { kind: "staticBootstrap", name: names[0]!, names, startedAt: now };
  log(ctx, "info", "launching every member of a new cluster at once (static bootstrap)", {
    members: names.join(","),
    agents: picks.map((p) => p.offer.agent_id.value).join(","),
  });
}

/** A held offer was rescinded: forget it. */
export function releaseHeldOffer(ctx: Ctx, offerId: string): void {
  const g = ctx.s.staticBootstrap?.gather;
  if (g === undefined || !g.offers.some((x) => x.id.value === offerId)) return;
  g.offers = g.offers.filter((x) => x.id.value !== offerId);
  log(ctx, "warn", "held offer rescinded before the static bootstrap", { offer: offerId });
  if (g.offers.length === 0) {
    ctx.s.staticBootstrap = { ...ctx.s.staticBootstrap, gather: undefined };
  }
}

/**
 * Runs after every input: ends a gather that is due or no longer wanted, completes or gives
 * up a forming static cluster, and forgets a failed one once its tasks ended.
 */
export function advanceStaticBootstrap(ctx: Ctx): void {
  advanceGather(ctx);
  advanceForming(ctx);
  advanceAbandoned(ctx);
  forgetStaleMembership(ctx.s);
}

function advanceGather(ctx: Ctx): void {
  const { s, now } = ctx;
  const g = s.staticBootstrap?.gather;
  if (g === undefined) return;
  const ids = g.offers.map((x) => x.id.value);
  if (!gathersOffers(s) || planNext(s, now).kind !== "bootstrap") {
    s.staticBootstrap = { ...s.staticBootstrap, gather: undefined };
    // Offers of a lost subscription are void; otherwise give them back.
    if (s.connected) decline(ctx, ids, s.options.idleRefuseSeconds);
    log(ctx, "info", "released the offers held for a static bootstrap", { offers: ids.length });
    return;
  }
  const waited = now - g.since;
  if (waited < s.options.staticBootstrapGatherMs) return;
  const [first, ...rest] = g.offers;
  s.staticBootstrap = { ...s.staticBootstrap, gather: undefined };
  log(ctx, "warn", "too few agents for a static bootstrap: bringing members up one at a time", {
    agents: g.offers.length,
    wanted: s.options.clusterSize,
    after: secs(waited),
  });
  decline(ctx, rest.map((x) => x.id.value), s.options.offerRefuseSeconds);
  const fit = first && fitOffer(first, needsOf(s));
  if (first !== undefined && fit?.ok) bootstrapOn(ctx, first, fit);
}

function advanceForming(ctx: Ctx): void {
  const { s, now } = ctx;
  const c = s.change;
  if (c?.kind !== "staticBootstrap") return;
  const records = s.members.filter((m) => c.names.includes(m.name));
  const reachable = records.filter((m) => m.reachable === true && m.memberId !== undefined);
  if (s.health.healthy && healthIsFresh(s) && reachable.length > 0) {
    s.change = undefined;
    s.lastChangeAt = now;
    s.probeWanted = true;
    s.counters.members_added += reachable.length;
    log(ctx, "info", `static bootstrap formed: ${reachable.length}/${c.names.length} members`, {
      members: reachable.map((m) => m.name).join(","),
      after: secs(now - c.startedAt),
    });
    return;
  }
  const live = records.filter((m) => !isTerminal(m.taskState) && m.retiring === undefined);
  if (live.length < quorum(c.names.length)) {
    abandon(ctx, c, `only ${live.length} of ${c.names.length} members left: no quorum can form`);
  } else if (now - c.startedAt >= s.options.launchTimeoutMs) {
    abandon(ctx, c, `not healthy after ${secs(now - c.startedAt)}`);
  }
}

/** Kills every static member: a cluster that never formed holds no data. */
function abandon(ctx: Ctx, c: StaticBootstrapChange, reason: string): void {
  const { s, now } = ctx;
  log(ctx, "warn", "static bootstrap failed: stopping its members", { reason });
  for (const m of s.members) {
    if (!c.names.includes(m.name)) continue;
    m.retiring = { reason, at: now, removed: true };
    if (!isTerminal(m.taskState)) killTask(ctx, m, `static bootstrap failed: ${reason}`);
  }
  s.change = undefined;
  s.staticBootstrap = { abandoned: { at: now, reason, names: c.names } };
}

function advanceAbandoned(ctx: Ctx): void {
  const { s, now } = ctx;
  const a = s.staticBootstrap?.abandoned;
  if (a === undefined) return;
  const records = s.members.filter((m) => a.names.includes(m.name));
  const running = records.filter((m) => !isTerminal(m.taskState));
  const waited = now - a.at;
  if (running.length > 0 && waited < s.options.launchTimeoutMs) return;
  if (running.length > 0) {
    log(ctx, "warn", "members of the failed static bootstrap did not end; forgetting them", {
      members: running.map((m) => m.name).join(","),
      after: secs(waited),
    });
  }
  s.members = s.members.filter((m) => !records.includes(m));
  s.endedTaskIds = [...(s.endedTaskIds ?? []), ...records.map((m) => m.taskId)]
    .slice(-MAX_ENDED_TASK_IDS);
  s.staticBootstrap = {
    failed: { reason: a.reason, peerUrls: records.map(memberPeerUrl) },
  };
  s.etcdMembers = undefined;
  log(ctx, "warn", "static bootstrap given up: bringing members up one at a time", {
    reason: a.reason,
  });
}

/**
 * A late probe answer may still list the failed static cluster's membership: it never
 * formed and its members are gone, so it must not block the one-by-one bring-up.
 */
function forgetStaleMembership(s: State): void {
  const urls = s.staticBootstrap?.failed?.peerUrls;
  if (urls === undefined || s.members.length > 0 || s.clusterFormed) return;
  const list = s.etcdMembers ?? [];
  if (list.length > 0 && list.every((e) => e.peerUrls.every((u) => urls.includes(u)))) {
    s.etcdMembers = undefined;
  }
}

/** Why planning must wait for a failed static bootstrap to end, if it must. */
export function staticBootstrapBlocks(s: State): string | undefined {
  const a = s.staticBootstrap?.abandoned;
  return a === undefined
    ? undefined
    : `stopping the members of a failed static bootstrap (${a.reason})`;
}

/** When something of a static bootstrap becomes due. */
export function staticBootstrapDeadline(s: State): number | undefined {
  const g = s.staticBootstrap?.gather;
  if (g !== undefined) return g.since + s.options.staticBootstrapGatherMs;
  if (s.change?.kind === "staticBootstrap") return s.change.startedAt + s.options.launchTimeoutMs;
  const a = s.staticBootstrap?.abandoned;
  return a === undefined ? undefined : a.at + s.options.launchTimeoutMs;
}
