/**
 * Offer handling: use at most one offer for the member the plan wants (bootstrap or add),
 * decline every other one — offers that do not fit with the short filter so they come back,
 * offers that are not needed with the long idle filter (REVIVE clears it).
 *
 * @module
 */
import { isTerminal, type Offer } from "../../lib/mesos/types.ts";
import { type InitialClusterEntry, peerUrl } from "../../contract/member_config.ts";
import { type Ctx, log, voterEndpoints } from "./context.ts";
import { buildMemberLaunch } from "./launch_spec.ts";
import { seedLaunch } from "./restore.ts";
import { gatherOffers, gathersOffers, releaseHeldOffer } from "./static_bootstrap.ts";
import { planNext } from "./membership.ts";
import { relaunchFromOffers, replacedFromAgent } from "./volume_relaunch.ts";
import { unreservedOnly } from "./volumes.ts";
import { noteUnfitOffer, offerFitted } from "./offer_wait.ts";
import { attributeValue, fitOffer, type MemberNeeds, placementConflict } from "./placement.ts";
import type { MemberLaunch } from "./effects.ts";
import type { MemberRecord, State } from "./state.ts";
import { isUsableHost, memberName } from "../../contract/task_id.ts";

/** An offer that fits a member, with the resources taken from it. */
export type Fitted = Extract<ReturnType<typeof fitOffer>, { ok: true }>;

/** What one member needs from an offer. */
export function needsOf(s: State): MemberNeeds {
  const o = s.options;
  return {
    cpus: o.cpus,
    memMb: o.memMb,
    diskMb: o.diskMb,
    executorCpus: o.executorCpus,
    executorMemMb: o.executorMemMb,
  };
}

/** Members that occupy an agent for placement: every task that may still run. */
export function placed(s: State): MemberRecord[] {
  return s.members.filter((m) => !isTerminal(m.taskState));
}

/** The cluster token: stable for the framework, so it survives scheduler failover. */
export function clusterTokenOf(s: State): string {
  return s.clusterToken ?? `${s.options.frameworkName}-${s.frameworkId ?? "ephemeral"}`;
}

/**
 * Launches member `name` of a new cluster on `offer` and records it: alone, or with `peers`
 * listing the whole static cluster (see `static_bootstrap.ts`).
 */
export function launchNew(
  ctx: Ctx,
  offer: Offer,
  fit: Fitted,
  member: { name: string; peers?: InitialClusterEntry[] },
): MemberLaunch {
  const { s, now } = ctx;
  const { name, peers } = member;
  s.clusterToken = clusterTokenOf(s);
  const launch = buildMemberLaunch(offer, {
    name,
    allocation: fit.allocation,
    clusterState: "new",
    clusterToken: s.clusterToken,
    learner: false,
    peers,
  });
  seedLaunch(ctx, launch);
  ctx.fx.push({ type: "launch", offerId: offer.id.value, agentId: launch.agentId, member: launch });
  s.members.push({
    name,
    taskId: launch.taskId,
    agentId: launch.agentId,
    hostname: launch.hostname,
    peerPort: launch.peerPort,
    clientPort: launch.clientPort,
    taskState: "TASK_STAGING",
    launchedAt: now,
    learner: false,
    placementValue: s.agentValues[launch.agentId],
  });
  s.counters.launched_servers++;
  return launch;
}

/** Launches the first member on `offer` (the one-by-one bring-up). */
export function bootstrapOn(ctx: Ctx, offer: Offer, fit: Fitted): void {
  const { s, now } = ctx;
  const name = memberName(s.nextIndex++);
  const launch = launchNew(ctx, offer, fit, { name });
  s.change = { kind: "bootstrap", name, startedAt: now };
  log(ctx, "info", "launching the first member (new cluster)", {
    member: name,
    host: launch.hostname,
    peerPort: launch.peerPort,
    clientPort: launch.clientPort,
    agent: launch.agentId,
  });
}

/** Holds `offer` and asks etcd to add the new member as a learner; launch follows. */
function addOn(ctx: Ctx, offer: Offer, fit: Fitted): void {
  const { s, now } = ctx;
  const name = memberName(s.nextIndex++);
  s.clusterToken = clusterTokenOf(s);
  const launch = buildMemberLaunch(offer, {
    name,
    allocation: fit.allocation,
    clusterState: "existing",
    clusterToken: s.clusterToken,
    learner: true,
    membership: s.etcdMembers,
  });
  const url = peerUrl(launch.hostname, launch.peerPort);
  s.change = {
    kind: "add",
    step: "adding",
    name,
    taskId: launch.taskId,
    peerUrl: url,
    startedAt: now,
    stepAt: now,
    launch,
    offerId: offer.id.value,
    learner: true,
  };
  ctx.fx.push({
    type: "etcdAddLearner",
    member: { name, peerUrl: url },
    endpoints: voterEndpoints(s),
  });
  log(ctx, "info", "adding a member as a learner", {
    member: name,
    host: launch.hostname,
    peerUrl: url,
    agent: launch.agentId,
  });
}

/** Handles an OFFERS event. */
export function onOffers(ctx: Ctx, offers: readonly Offer[]): void {
  const { s } = ctx;
  const o = s.options;
  if (o.placement.kind === "attribute") {
    for (const offer of offers) {
      const v = attributeValue(offer.attributes, o.placement.name);
      if (v !== undefined) s.agentValues[offer.agent_id.value] = v;
    }
  }
  // Members on persistent volumes come back first; stray reservations are cleaned up.
  const relaunched = relaunchFromOffers(ctx, offers);
  if (relaunched.size > 0) offers = offers.filter((x) => !relaunched.has(x.id.value));
  // New members on volumes reserve what they take: only unreserved resources will do.
  if (s.options.volumes !== undefined) offers = offers.map(unreservedOnly);
  const plan = planNext(s, ctx.now);
  if (plan.kind === "bootstrap" && gathersOffers(s)) return gatherOffers(ctx, offers);
  const wanted = plan.kind === "bootstrap" || plan.kind === "add";
  const short: string[] = [];
  const idle: string[] = [];
  let used = false;
  let chosen: { offer: Offer; fit: Extract<ReturnType<typeof fitOffer>, { ok: true }> } | undefined;
  const seen = new Set<string>();
  const held = s.change?.kind === "add" && !s.change.offerLost ? s.change.offerId : undefined;
  for (const offer of offers) {
    const id = offer.id.value;
    if (seen.has(id) || id === held) {
      // A repeated id must not be both used and declined; the held one is answered at launch.
      log(ctx, "warn", "ignoring an offer id seen already", { offer: id, held: id === held });
      continue;
    }
    seen.add(id);
    if (!wanted || used) {
      idle.push(id);
      continue;
    }
    if (!isUsableHost(offer.hostname)) {
      log(ctx, "warn", "declining offer: unusable hostname", {
        offer: id,
        agent: offer.agent_id.value,
        hostname: JSON.stringify(offer.hostname.slice(0, 100)),
      });
      idle.push(id);
      continue;
    }
    const conflict = placementConflict(offer, placed(s), o.placement);
    if (conflict !== undefined) {
      log(ctx, "debug", "declining offer: placement", { offer: id, reason: conflict });
      idle.push(id);
      continue;
    }
    const replacedOff = replacedFromAgent(s, offer.agent_id.value, ctx.now);
    if (replacedOff !== undefined) {
      // Only for a while: the short filter lets it come back if no other agent offers.
      log(ctx, "debug", "declining offer for now", { offer: id, reason: replacedOff });
      short.push(id);
      continue;
    }
    const fit = fitOffer(offer, needsOf(s));
    if (!fit.ok) {
      log(ctx, "info", `declining offer: ${fit.kind}`, {
        offer: id,
        host: offer.hostname,
        reason: fit.reason,
      });
      short.push(id);
      noteUnfitOffer(s, ctx.now, offer);
      continue;
    }
    used = true;
    chosen = { offer, fit };
  }
  if (!wanted && offers.length > 0) {
    log(ctx, "debug", "declining offers: not needed", { offers: idle.length, why: waitWhy(plan) });
  }
  if (short.length > 0) {
    ctx.fx.push({ type: "decline", offerIds: short, refuseSeconds: o.offerRefuseSeconds });
  }
  if (idle.length > 0) {
    ctx.fx.push({ type: "decline", offerIds: idle, refuseSeconds: o.idleRefuseSeconds });
  }
  if (short.length + idle.length > 0) s.filtered = true;
  s.counters.offers_declined += short.length + idle.length;
  // Declines go out before the launch: Mesos calls are sent in order, and an ACCEPT can be
  // slow to answer on a large master, which would hold every other offer outstanding.
  if (chosen !== undefined) {
    offerFitted(ctx);
    if (plan.kind === "bootstrap") bootstrapOn(ctx, chosen.offer, chosen.fit);
    else addOn(ctx, chosen.offer, chosen.fit);
  }
}

function waitWhy(plan: ReturnType<typeof planNext>): string {
  return plan.kind === "wait" ? plan.reason : plan.kind;
}

/** Handles RESCIND: a held offer is gone. */
export function onRescind(ctx: Ctx, offerId: string): void {
  releaseHeldOffer(ctx, offerId);
  const c = ctx.s.change;
  if (c?.kind === "add" && c.offerId === offerId) {
    c.offerLost = true;
    log(ctx, "warn", "held offer rescinded before launch", { offer: offerId, member: c.name });
  }
}
