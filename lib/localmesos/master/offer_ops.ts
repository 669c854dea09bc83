/**
 * Offer operations: turning the allocation plan into OFFERS events, RESCIND (agent gone,
 * offer timeout, fault hook), DECLINE with filters, SUPPRESS and REVIVE.
 *
 * @module
 */
import type { Plain } from "../../mesos/plain.ts";
import type { MasterContext } from "./context.ts";
import { planAllocation, refuseSeconds } from "./offers.ts";
import { offerResources } from "../resources/format.ts";
import {
  type AgentRecord,
  type FrameworkRecord,
  hasCapability,
  type OfferRecord,
} from "./state.ts";

/** Runs the allocator and sends each framework one OFFERS event with its new offers. */
export function allocate(ctx: MasterContext): void {
  const now = ctx.clock.now();
  const byFramework = new Map<string, Plain[]>();
  for (const plan of planAllocation(ctx.state, ctx.filters, now)) {
    const fw = ctx.state.frameworks.get(plan.frameworkId)!;
    const agent = ctx.state.agents.get(plan.agentId)!;
    const offer = makeOffer(ctx, fw, agent, plan.role, plan.resources);
    const list = byFramework.get(fw.id) ?? [];
    list.push(offer.offer);
    byFramework.set(fw.id, list);
  }
  for (const [frameworkId, offers] of byFramework) {
    const fw = ctx.state.frameworks.get(frameworkId)!;
    ctx.logger.debug("sending offers", { framework_id: frameworkId, count: offers.length });
    if (!ctx.sendEvent(fw, { type: "OFFERS", offers: { offers } })) {
      for (const o of offers) removeOffer(ctx, o.id.value);
    }
  }
}

function makeOffer(
  ctx: MasterContext,
  fw: FrameworkRecord,
  agent: AgentRecord,
  role: string,
  resources: OfferRecord["resources"],
): OfferRecord {
  const id = ctx.ids.offer();
  const multiRole = hasCapability(fw.info, "MULTI_ROLE");
  const refinement = hasCapability(fw.info, "RESERVATION_REFINEMENT");
  const offer: Plain = {
    id: { value: id },
    framework_id: { value: fw.id },
    agent_id: { value: agent.id },
    hostname: agent.hostname,
    url: {
      scheme: "http",
      address: { hostname: agent.hostname, ip: agent.ip, port: agent.port },
      path: "/slave(1)",
    },
    resources: offerResources(resources, { multiRole, refinement, role }),
  };
  if (agent.attributes.length > 0) offer.attributes = agent.attributes;
  if (multiRole) offer.allocation_info = { role };
  const record: OfferRecord = {
    id,
    frameworkId: fw.id,
    agentId: agent.id,
    role,
    resources,
    offer,
  };
  if (ctx.options.offerTimeoutMs !== undefined) {
    record.timer = ctx.setTimer(() => rescindOffer(ctx, id), ctx.options.offerTimeoutMs);
  }
  ctx.state.offers.set(id, record);
  return record;
}

/** Forgets an offer (its resources become available again); returns it. */
export function removeOffer(ctx: MasterContext, offerId: string): OfferRecord | undefined {
  const offer = ctx.state.offers.get(offerId);
  if (offer === undefined) return undefined;
  ctx.clearTimer(offer.timer);
  ctx.state.offers.delete(offerId);
  return offer;
}

/** Withdraws an offer with a RESCIND event and re-allocates its resources. */
export function rescindOffer(ctx: MasterContext, offerId: string): void {
  const offer = removeOffer(ctx, offerId);
  if (offer === undefined) return;
  const fw = ctx.state.frameworks.get(offer.frameworkId);
  if (fw !== undefined) {
    ctx.sendEvent(fw, { type: "RESCIND", rescind: { offer_id: { value: offerId } } });
  }
  ctx.scheduleAllocation();
}

/** Rescinds every outstanding offer (optionally only those on `agentId`). */
export function rescindAllOffers(ctx: MasterContext, agentId?: string): number {
  const ids = [...ctx.state.offers.values()]
    .filter((o) => agentId === undefined || o.agentId === agentId)
    .map((o) => o.id);
  for (const id of ids) rescindOffer(ctx, id);
  return ids.length;
}

/** Silently drops the framework's offers (re-subscription, disconnect, removal). */
export function removeOffersOfFramework(ctx: MasterContext, fw: FrameworkRecord): void {
  for (const o of ctx.state.offersOfFramework(fw.id)) removeOffer(ctx, o.id);
}

/** Refuses `resources` of `agentId` to `fw` for `filters.refuse_seconds` (default 5). */
export function addFilter(
  ctx: MasterContext,
  fw: FrameworkRecord,
  agentId: string,
  resources: OfferRecord["resources"],
  filters: Plain | undefined,
): void {
  const expiresAt = ctx.filters.add(
    fw.id,
    agentId,
    resources,
    refuseSeconds(filters),
    ctx.clock.now(),
  );
  if (expiresAt !== undefined) {
    ctx.setTimer(() => ctx.scheduleAllocation(), expiresAt - ctx.clock.now());
  }
}

/** DECLINE: the offers' resources are refused for `refuse_seconds`. */
export function decline(ctx: MasterContext, fw: FrameworkRecord, call: Plain): void {
  for (const offerId of call.offer_ids ?? []) {
    const offer = ctx.state.offers.get(offerId.value);
    if (offer === undefined || offer.frameworkId !== fw.id) continue;
    removeOffer(ctx, offer.id);
    addFilter(ctx, fw, offer.agentId, offer.resources, call.filters);
  }
  ctx.scheduleAllocation();
}

/** SUPPRESS: no more offers until REVIVE. */
export function suppress(ctx: MasterContext, fw: FrameworkRecord): void {
  fw.suppressed = true;
  ctx.logger.debug("framework suppressed offers", { framework_id: fw.id });
}

/** REVIVE: offers resume and every filter is cleared. */
export function revive(ctx: MasterContext, fw: FrameworkRecord): void {
  fw.suppressed = false;
  ctx.filters.clear(fw.id);
  ctx.scheduleAllocation();
}
