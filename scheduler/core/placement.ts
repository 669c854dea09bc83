/**
 * Offer fitting (pure): whether an offer can hold one member (its limits plus the
 * executor's share and two ports), which resources to take from it, and whether its agent
 * is allowed by the placement rule.
 *
 * Ports come from any of the offer's ranges (the lowest free ones), never assuming they are
 * consecutive. Resources are taken entry by entry, keeping each entry's role, reservation and
 * allocation info, so reserved and unreserved resources can be mixed.
 *
 * @module
 */
import type { Attribute, Offer, Resource } from "../../lib/mesos/types.ts";
import type { Placement } from "./state.ts";

/** What one member needs from an offer. */
export interface MemberNeeds {
  cpus: number;
  memMb: number;
  diskMb: number;
  executorCpus: number;
  executorMemMb: number;
}

/** Resources taken from an offer for one member. */
export interface Allocation {
  taskResources: Resource[];
  executorResources: Resource[];
  peerPort: number;
  clientPort: number;
}

/** Why an offer cannot hold a member. */
export type MisfitKind = "too-small" | "no-ports" | "placement";

/** The result of {@linkcode fitOffer}. */
export type Fit = { ok: true; allocation: Allocation } | {
  ok: false;
  kind: MisfitKind;
  reason: string;
};

const round3 = (n: number) => Math.round(n * 1000) / 1000;

/** Resources of an offer that may be used for a plain task (no volumes, not revocable). */
function usable(offer: Offer): Resource[] {
  return (offer.resources ?? []).filter((r) => {
    const extra = r as Resource & { disk?: unknown; revocable?: unknown; shared?: unknown };
    return extra.disk === undefined && extra.revocable === undefined &&
      extra.shared === undefined;
  });
}

/** The total of scalar resource `name` in `resources`. */
export function scalarTotal(resources: readonly Resource[], name: string): number {
  let sum = 0;
  for (const r of resources) if (r.name === name) sum += r.scalar?.value ?? 0;
  return round3(sum);
}

/** Copies `r` (role, reservations, allocation info) with a new scalar value. */
function withScalar(r: Resource, value: number): Resource {
  return { ...structuredClone(r), scalar: { value: round3(value) } };
}

/** Takes `amount` of scalar `name` from the entries in `pool`, decreasing them in place. */
function takeScalar(pool: Resource[], name: string, amount: number): Resource[] {
  const out: Resource[] = [];
  let left = round3(amount);
  for (const r of pool) {
    if (left <= 0) break;
    if (r.name !== name || r.scalar === undefined) continue;
    const take = round3(Math.min(r.scalar.value, left));
    if (take <= 0) continue;
    out.push(withScalar(r, take));
    r.scalar = { value: round3(r.scalar.value - take) };
    left = round3(left - take);
  }
  return out;
}

/** A port picked from an offer, with the resource entry it came from. */
export interface PickedPort {
  port: number;
  source: Resource;
}

/**
 * Picks the `count` lowest ports across every `ports` range of `resources`, or returns
 * fewer when there are not enough.
 */
export function pickPorts(resources: readonly Resource[], count: number): PickedPort[] {
  const picked: PickedPort[] = [];
  const candidates: { begin: number; end: number; source: Resource }[] = [];
  for (const r of resources) {
    if (r.name !== "ports") continue;
    for (const range of r.ranges?.range ?? []) {
      const begin = Number(range.begin);
      const end = Number(range.end);
      if (Number.isFinite(begin) && Number.isFinite(end) && begin <= end && begin >= 1) {
        candidates.push({ begin, end: Math.min(end, 65535), source: r });
      }
    }
  }
  candidates.sort((a, b) => a.begin - b.begin);
  const seen = new Set<number>();
  for (const c of candidates) {
    for (let p = c.begin; p <= c.end && picked.length < count; p++) {
      if (seen.has(p)) continue;
      seen.add(p);
      picked.push({ port: p, source: c.source });
    }
    if (picked.length >= count) break;
  }
  return picked;
}

/** One `ports` resource per picked port, copying its source entry's role and reservation. */
function portResources(picked: readonly PickedPort[]): Resource[] {
  return picked.map(({ port, source }) => {
    const { ranges: _ranges, ...rest } = structuredClone(source);
    return { ...rest, ranges: { range: [{ begin: port, end: port }] } };
  });
}

/**
 * Checks whether `offer` holds one member with `needs` and, if so, allocates cpus, mem and
 * disk for the task, cpus and mem for the executor, and two ports (peer, client).
 */
export function fitOffer(offer: Offer, needs: MemberNeeds): Fit {
  const pool = usable(offer);
  const cpus = scalarTotal(pool, "cpus");
  const mem = scalarTotal(pool, "mem");
  const disk = scalarTotal(pool, "disk");
  const wantCpus = round3(needs.cpus + needs.executorCpus);
  const wantMem = round3(needs.memMb + needs.executorMemMb);
  const short: string[] = [];
  if (cpus < wantCpus) short.push(`cpus ${cpus} < ${wantCpus}`);
  if (mem < wantMem) short.push(`mem ${mem} < ${wantMem}`);
  if (disk < needs.diskMb) short.push(`disk ${disk} < ${needs.diskMb}`);
  if (short.length > 0) return { ok: false, kind: "too-small", reason: short.join(", ") };
  const ports = pickPorts(pool, 2);
  if (ports.length < 2) {
    return { ok: false, kind: "no-ports", reason: `${ports.length} free ports < 2` };
  }
  const work = structuredClone(pool);
  const executorResources = [
    ...takeScalar(work, "cpus", needs.executorCpus),
    ...takeScalar(work, "mem", needs.executorMemMb),
  ];
  const taskResources = [
    ...takeScalar(work, "cpus", needs.cpus),
    ...takeScalar(work, "mem", needs.memMb),
    ...(needs.diskMb > 0 ? takeScalar(work, "disk", needs.diskMb) : []),
    ...portResources(ports),
  ];
  return {
    ok: true,
    allocation: {
      taskResources,
      executorResources,
      peerPort: ports[0]!.port,
      clientPort: ports[1]!.port,
    },
  };
}

/** The text value of attribute `name` (scalar, text, set or ranges written out). */
export function attributeValue(
  attributes: readonly Attribute[] | undefined,
  name: string,
): string | undefined {
  const a = (attributes ?? []).find((x) => x.name === name);
  if (a === undefined) return undefined;
  if (a.text !== undefined) return a.text.value;
  if (a.scalar !== undefined) return String(a.scalar.value);
  if (a.set !== undefined) return [...(a.set.item ?? [])].sort().join(",");
  if (a.ranges !== undefined) {
    return (a.ranges.range ?? []).map((r) => `${r.begin}-${r.end}`).join(",");
  }
  return undefined;
}

/** Where an existing member sits, for placement checks. */
export interface PlacedMember {
  name: string;
  agentId: string;
  hostname: string;
  placementValue?: string;
}

/**
 * The reason `offer` may not take another member under `placement`, or `undefined` when it
 * may. Attribute placement treats an agent without the attribute as its own domain.
 */
export function placementConflict(
  offer: Offer,
  members: readonly PlacedMember[],
  placement: Placement,
): string | undefined {
  let clash: PlacedMember | undefined;
  let what = "";
  switch (placement.kind) {
    case "any":
      return undefined;
    case "agent":
      clash = members.find((m) => m.agentId === offer.agent_id.value);
      what = `agent ${offer.agent_id.value}`;
      break;
    case "hostname":
      clash = members.find((m) => m.hostname === offer.hostname);
      what = `host ${offer.hostname}`;
      break;
    case "attribute": {
      const value = attributeValue(offer.attributes, placement.name);
      clash = members.find((m) =>
        m.agentId === offer.agent_id.value ||
        (value !== undefined && m.placementValue === value)
      );
      what = value === undefined ? `agent ${offer.agent_id.value}` : `${placement.name}=${value}`;
      break;
    }
  }
  return clash === undefined ? undefined : `${what} already runs ${clash.name}`;
}
