/**
 * No silent wait on offers (pure): while the plan wants an offer for a member and none fits,
 * remember since when and the largest offer declined; after {@linkcode OFFER_WAIT_WARN_MS}
 * say so once at WARN, naming what a member needs and the largest offer seen. `/healthz` and
 * `/stats` (`offers_unfit`) say the same until an offer fits or none is wanted.
 *
 * @module
 */
import type { Offer } from "../../lib/mesos/types.ts";
import { type Ctx, log, secs } from "./context.ts";
import { scalarTotal } from "./placement.ts";
import type { CoreOptions, State } from "./state.ts";

/** How long offers may be wanted with none fitting before the WARN. */
export const OFFER_WAIT_WARN_MS = 30_000;

/** What one member needs from one offer, for operators. */
export function describeNeeds(o: CoreOptions): string {
  return `cpus ${o.cpus} + ${o.executorCpus} (executor), mem ${o.memMb} + ${o.executorMemMb} MB ` +
    `(executor), disk ${o.diskMb} MB, 2 ports, on an agent without a member`;
}

function sizeOf(offer: Offer): [number, number] {
  return [scalarTotal(offer.resources ?? [], "cpus"), scalarTotal(offer.resources ?? [], "mem")];
}

function describeOffer(offer: Offer): string {
  const r = offer.resources ?? [];
  return `${offer.hostname}: cpus ${scalarTotal(r, "cpus")}, mem ${scalarTotal(r, "mem")} MB, ` +
    `disk ${scalarTotal(r, "disk")} MB`;
}

/** Records an offer declined for not fitting a wanted member (keeps the largest). */
export function noteUnfitOffer(s: State, now: number, offer: Offer): void {
  s.offerWait ??= { since: now, warned: false };
  const w = s.offerWait;
  const [c, m] = sizeOf(offer);
  const best = w.largestSize;
  if (best === undefined || c > best[0] || (c === best[0] && m > best[1])) {
    w.largest = describeOffer(offer);
    w.largestSize = [c, m];
  }
}

/** Updates the wait after planning: `wanted` says whether the plan wants an offer now. */
export function trackOfferWait(ctx: Ctx, wanted: boolean): void {
  const { s, now } = ctx;
  if (!wanted) {
    if (s.offerWait?.warned) log(ctx, "info", "no offer is wanted any more", {});
    s.offerWait = undefined;
    return;
  }
  s.offerWait ??= { since: now, warned: false };
  const w = s.offerWait;
  if (!w.warned && now - w.since >= OFFER_WAIT_WARN_MS) {
    w.warned = true;
    log(ctx, "warn", "no offer fits a member", { ...offerWaitFields(s), for: secs(now - w.since) });
  }
}

/** An offer fitted: the wait is over. */
export function offerFitted(ctx: Ctx): void {
  if (ctx.s.offerWait?.warned) {
    log(ctx, "info", "an offer fits a member again", {
      after: secs(ctx.now - ctx.s.offerWait.since),
    });
  }
  ctx.s.offerWait = undefined;
}

/** What the wanted offers are for: a new member's needs, and the relaunches in place. */
function describeWanted(s: State): string {
  // relaunchBy is set exactly while a member waits for its agent's offer.
  const relaunches = (s.volumes ?? []).filter((r) => r.relaunchBy !== undefined).map((r) =>
    `${r.member}'s reservation and volume from agent ${r.agentId} (${r.hostname})`
  );
  const relaunch = relaunches.length > 0 ? `; to relaunch in place: ${relaunches.join(", ")}` : "";
  return `${describeNeeds(s.options)}${relaunch}`;
}

function offerWaitFields(s: State): Record<string, string> {
  return {
    needs: describeWanted(s),
    largestOffer: s.offerWait?.largest ?? "none seen since offers were wanted",
  };
}

/** The operator-facing sentence while warned, else undefined. */
export function offerWaitReason(s: State): string | undefined {
  const w = s.offerWait;
  if (w === undefined || !w.warned) return undefined;
  const f = offerWaitFields(s);
  return `no offer fits a member: a member needs ${f.needs}; largest offer seen: ${f.largestOffer}`;
}

/** When the WARN is due, if it has not been said yet. */
export function offerWaitDeadline(s: State): number | undefined {
  const w = s.offerWait;
  return w === undefined || w.warned ? undefined : w.since + OFFER_WAIT_WARN_MS;
}
