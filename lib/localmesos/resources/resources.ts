/**
 * Mesos' `Resources` arithmetic (src/common/resources.cpp) over plain `Resource` lists in
 * the "post-reservation-refinement" format (the `reservations` stack; no `role` or
 * `reservation` field — see format.ts for the conversions):
 *
 * - two entries combine when name, type, allocation, reservation stack, disk (source and
 *   persistence id; not `volume`), revocable, provider and shared all match; persistent
 *   volumes never combine, and a volume is only subtracted or contained whole;
 * - scalars keep three decimals (Mesos' fixed point); ranges are merged and split; sets
 *   are sets;
 * - `contains` needs each wanted entry inside one held entry.
 *
 * Pure; inputs are never mutated (outputs may share nested metadata objects with them).
 *
 * @module
 */
import type { Labels, Range, ReservationInfo, Resource } from "../../mesos/types.ts";
import { isStrictSubroleOf } from "./roles.ts";
import { upgradeResource } from "./format.ts";

/** Rounds a scalar the way Mesos' fixed-point arithmetic does (3 decimals). */
export function roundScalar(n: number): number {
  return Math.round(n * 1000) / 1000;
}

// ------------------------------------------------------------------ predicates

/** True when the resource carries no reservation. */
export function isUnreserved(r: Resource): boolean {
  return (r.reservations ?? []).length === 0;
}

/** The role of the last (current) reservation; `*` when unreserved. */
export function reservationRole(r: Resource): string {
  const stack = r.reservations ?? [];
  return stack.length === 0 ? "*" : stack[stack.length - 1]!.role ?? "";
}

/** True when reserved (for `role`, if given: its current reservation role). */
export function isReserved(r: Resource, role?: string): boolean {
  return !isUnreserved(r) && (role === undefined || reservationRole(r) === role);
}

/** True when the current reservation is DYNAMIC. */
export function isDynamicallyReserved(r: Resource): boolean {
  const stack = r.reservations ?? [];
  return stack.length > 0 && stack[stack.length - 1]!.type === "DYNAMIC";
}

/** True when the reservation stack holds more than one reservation. */
export function hasRefinedReservations(r: Resource): boolean {
  return (r.reservations ?? []).length > 1;
}

/** True for a persistent volume (`disk.persistence` set). */
export function isPersistentVolume(r: Resource): boolean {
  return r.disk?.persistence !== undefined;
}

/** Mesos' `needCheckpointing`: dynamically reserved resources and persistent volumes. */
export function needCheckpointing(r: Resource): boolean {
  return r.provider_id === undefined && (isDynamicallyReserved(r) || isPersistentVolume(r));
}

/** True when `r` may be offered to `role`: unreserved, or reserved to it or an ancestor. */
export function isAllocatableTo(r: Resource, role: string): boolean {
  if (isUnreserved(r)) return true;
  const reserved = reservationRole(r);
  return role === reserved || isStrictSubroleOf(role, reserved);
}

// ------------------------------------------------------------------ equality

function labelEqual(a: { key: string; value?: string }, b: { key: string; value?: string }) {
  return a.key === b.key && a.value === b.value;
}

/** Labels are equal when they hold the same labels in any order (Mesos' type_utils). */
export function labelsEqual(a: Labels | undefined, b: Labels | undefined): boolean {
  const x = a?.labels ?? [];
  const y = b?.labels ?? [];
  if (x.length !== y.length) return false;
  const count = (list: typeof x, l: (typeof x)[number]) =>
    list.filter((m) => labelEqual(m, l)).length;
  return x.every((l) => count(x, l) === count(y, l));
}

/** `ReservationInfo ==`: type, role, principal and labels (presence and value). */
export function reservationEqual(a: ReservationInfo, b: ReservationInfo): boolean {
  return (a.type ?? "UNKNOWN") === (b.type ?? "UNKNOWN") &&
    (a.role ?? "") === (b.role ?? "") &&
    a.principal === b.principal &&
    (a.labels === undefined) === (b.labels === undefined) &&
    labelsEqual(a.labels, b.labels);
}

function reservationsEqual(a: Resource, b: Resource): boolean {
  const x = a.reservations ?? [];
  const y = b.reservations ?? [];
  return x.length === y.length && x.every((r, i) => reservationEqual(r, y[i]!));
}

function sourceEqual(a: Resource, b: Resource): boolean {
  const x = a.disk?.source;
  const y = b.disk?.source;
  if (x === undefined || y === undefined) return x === y;
  return x.type === y.type && x.path?.root === y.path?.root &&
    (x.path === undefined) === (y.path === undefined) &&
    x.mount?.root === y.mount?.root && (x.mount === undefined) === (y.mount === undefined) &&
    x.id === y.id && x.profile === y.profile && labelsEqual(x.metadata, y.metadata);
}

/** `DiskInfo ==`: the source and the persistence id; `volume` is ignored, as in Mesos. */
function diskEqual(a: Resource, b: Resource): boolean {
  if ((a.disk === undefined) !== (b.disk === undefined)) return false;
  if (a.disk === undefined) return true;
  if (!sourceEqual(a, b)) return false;
  const p = a.disk.persistence;
  const q = b.disk!.persistence;
  if ((p === undefined) !== (q === undefined)) return false;
  return p === undefined || p.id === q!.id;
}

/** Everything but the value matches (Mesos' `compareResourceMetadata`). */
export function sameMetadata(a: Resource, b: Resource): boolean {
  return a.name === b.name && a.type === b.type &&
    (a.allocation_info === undefined) === (b.allocation_info === undefined) &&
    a.allocation_info?.role === b.allocation_info?.role &&
    reservationsEqual(a, b) && diskEqual(a, b) &&
    (a.revocable === undefined) === (b.revocable === undefined) &&
    a.provider_id?.value === b.provider_id?.value &&
    (a.shared === undefined) === (b.shared === undefined);
}

function valuesEqual(a: Resource, b: Resource): boolean {
  if (a.type === "SCALAR") return roundScalar(scalar(a)) === roundScalar(scalar(b));
  if (a.type === "RANGES") {
    const x = mergeRanges(rangesOf(a));
    const y = mergeRanges(rangesOf(b));
    return x.length === y.length &&
      x.every((r, i) => r.begin === y[i]!.begin && r.end === y[i]!.end);
  }
  if (a.type === "SET") {
    const x = new Set(a.set?.item ?? []);
    const y = new Set(b.set?.item ?? []);
    return x.size === y.size && [...x].every((i) => y.has(i));
  }
  return false;
}

/** Metadata and value equal (Mesos' `Resource ==`). */
export function resourceEqual(a: Resource, b: Resource): boolean {
  return sameMetadata(a, b) && valuesEqual(a, b);
}

function exclusiveDisk(r: Resource): boolean {
  const t = r.disk?.source?.type;
  return t === "MOUNT" || t === "BLOCK" || (t === "RAW" && r.disk?.source?.id !== undefined);
}

function addable(a: Resource, b: Resource): boolean {
  if (a.shared !== undefined || b.shared !== undefined) return resourceEqual(a, b);
  if (!sameMetadata(a, b)) return false;
  return !isPersistentVolume(a) && !exclusiveDisk(a);
}

function subtractable(a: Resource, b: Resource): boolean {
  if (a.shared !== undefined || b.shared !== undefined) return resourceEqual(a, b);
  if (!sameMetadata(a, b)) return false;
  if (isPersistentVolume(a) || exclusiveDisk(a)) return valuesEqual(a, b);
  return true;
}

/** One resource contains another (same metadata; `want` no bigger). */
export function resourceContains(have: Resource, want: Resource): boolean {
  if (!subtractable(have, want)) return false;
  if (have.type === "SCALAR") return roundScalar(scalar(want)) <= roundScalar(scalar(have));
  if (have.type === "RANGES") return rangesContain(rangesOf(have), rangesOf(want));
  if (have.type === "SET") {
    const items = new Set(have.set?.item ?? []);
    return (want.set?.item ?? []).every((i) => items.has(i));
  }
  return false;
}

// ------------------------------------------------------------------ lists

/** A copy of `r` with its value normalized (3 decimals, merged ranges, unique items). */
function cleanCopy(r: Resource): Resource {
  const out: Resource = { ...r };
  if (r.type === "SCALAR") out.scalar = { value: roundScalar(scalar(r)) };
  if (r.type === "RANGES") out.ranges = { range: mergeRanges(rangesOf(r)) };
  if (r.type === "SET") out.set = { item: [...new Set(r.set?.item ?? [])] };
  return out;
}

/** True when the resource holds nothing (zero scalar, no range, no item). */
export function isEmptyResource(r: Resource): boolean {
  if (r.type === "SCALAR") return roundScalar(scalar(r)) === 0;
  if (r.type === "RANGES") return rangesOf(r).length === 0;
  if (r.type === "SET") return (r.set?.item ?? []).length === 0;
  return false;
}

function addInto(list: Resource[], r: Resource): void {
  if (isEmptyResource(r)) return;
  const i = list.findIndex((x) => addable(x, r));
  if (i < 0) list.push(cleanCopy(r));
  else list[i] = combine(list[i]!, r, 1);
}

function subtractFrom(list: Resource[], r: Resource): void {
  if (isEmptyResource(r)) return;
  const i = list.findIndex((x) => subtractable(x, r));
  if (i < 0) return;
  const left = combine(list[i]!, r, -1);
  const negative = left.type === "SCALAR" && scalar(left) < 0;
  if (negative || isEmptyResource(left)) list.splice(i, 1);
  else list[i] = left;
}

/**
 * The resources in the post-refinement format (see format.ts), combined as Mesos'
 * `Resources` combines them; empty entries dropped. Allocation info is kept.
 */
export function normalize(resources: readonly Resource[]): Resource[] {
  const out: Resource[] = [];
  for (const r of resources) addInto(out, upgradeResource(r));
  return out;
}

/** `a + b` (order: `a`'s entries first, then new entries of `b`). */
export function addResources(a: readonly Resource[], b: readonly Resource[]): Resource[] {
  const out = normalize(a);
  for (const r of b) addInto(out, upgradeResource(r));
  return out;
}

/** `a - b`; entries that would go negative disappear, as in Mesos. */
export function subtractResources(a: readonly Resource[], b: readonly Resource[]): Resource[] {
  const out = normalize(a);
  for (const r of normalize(b)) subtractFrom(out, r);
  return out;
}

/** True when `have` contains every entry of `want` (each within one held entry). */
export function containsResources(have: readonly Resource[], want: readonly Resource[]): boolean {
  const remaining = normalize(have);
  for (const w of normalize(want)) {
    if (!remaining.some((h) => resourceContains(h, w))) return false;
    if (isPersistentVolume(w)) subtractFrom(remaining, w);
  }
  return true;
}

/** True when nothing is left (no positive scalar, no range, no set item). */
export function isEmptyResources(resources: readonly Resource[]): boolean {
  return resources.every(isEmptyResource);
}

/** The entries matching `predicate`. */
export function filterResources(
  resources: readonly Resource[],
  predicate: (r: Resource) => boolean,
): Resource[] {
  return normalize(resources).filter(predicate);
}

/** Copies with `allocation_info {role}`. */
export function allocate(resources: readonly Resource[], role: string): Resource[] {
  return normalize(resources.map((r) => ({ ...r, allocation_info: { role } })));
}

/** Copies without `allocation_info`. */
export function unallocate(resources: readonly Resource[]): Resource[] {
  return normalize(resources.map((r) => {
    const { allocation_info: _a, ...rest } = r;
    return rest;
  }));
}

/** Reserved resources by their reservation role, in first-seen order. */
export function reservationsByRole(resources: readonly Resource[]): Map<string, Resource[]> {
  const out = new Map<string, Resource[]>();
  for (const r of normalize(resources)) {
    if (isUnreserved(r)) continue;
    const role = reservationRole(r);
    out.set(role, [...(out.get(role) ?? []), r]);
  }
  return out;
}

/** The same resources with the last reservation removed. */
export function popReservation(r: Resource): Resource {
  const out: Resource = { ...r, reservations: (r.reservations ?? []).slice(0, -1) };
  if (out.reservations!.length === 0) delete out.reservations;
  return out;
}

/** The same resources with every reservation removed. */
export function toUnreserved(r: Resource): Resource {
  const out = { ...r };
  delete out.reservations;
  return out;
}

/** The value of scalar `name` (0 when absent). */
export function scalarOf(resources: readonly Resource[], name: string): number {
  let sum = 0;
  for (const r of resources) {
    if (r.name === name && r.type === "SCALAR") sum += scalar(r);
  }
  return roundScalar(sum);
}

/** The merged, sorted ranges of `name` (e.g. `ports`). */
export function rangesNamed(resources: readonly Resource[], name: string): Range[] {
  return mergeRanges(resources.filter((r) => r.name === name).flatMap(rangesOf));
}

/** Formats ranges as Mesos' state endpoints do: `[31000-31000, 31005-31010]` (always lo-hi). */
export function formatRanges(ranges: readonly Range[]): string {
  return `[${mergeRanges(ranges).map((r) => `${r.begin}-${r.end}`).join(", ")}]`;
}

// ------------------------------------------------------------------ values

function scalar(r: Resource): number {
  return Number(r.scalar?.value ?? 0);
}

function combine(a: Resource, b: Resource, sign: 1 | -1): Resource {
  const out = { ...a };
  if (a.type === "SCALAR") {
    out.scalar = { value: roundScalar(scalar(a) + sign * scalar(b)) };
  } else if (a.type === "RANGES") {
    out.ranges = {
      range: sign > 0
        ? mergeRanges([...rangesOf(a), ...rangesOf(b)])
        : subtractRanges(rangesOf(a), rangesOf(b)),
    };
  } else if (a.type === "SET") {
    const items = new Set(a.set?.item ?? []);
    for (const i of b.set?.item ?? []) sign > 0 ? items.add(i) : items.delete(i);
    out.set = { item: [...items] };
  }
  return out;
}

function rangesOf(r: Resource): Range[] {
  return (r.ranges?.range ?? []).map((x) => ({ begin: Number(x.begin), end: Number(x.end) }));
}

/** Sorts and merges overlapping or adjacent ranges; drops inverted ones. */
export function mergeRanges(ranges: readonly Range[]): Range[] {
  const sorted = ranges
    .map((r) => ({ begin: Number(r.begin), end: Number(r.end) }))
    .filter((r) => r.begin <= r.end)
    .sort((x, y) => x.begin - y.begin);
  const out: Range[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && r.begin <= last.end + 1) last.end = Math.max(last.end, r.end);
    else out.push({ ...r });
  }
  return out;
}

function subtractRanges(a: readonly Range[], b: readonly Range[]): Range[] {
  let out = mergeRanges(a);
  for (const cut of mergeRanges(b)) {
    const next: Range[] = [];
    for (const r of out) {
      if (cut.end < r.begin || cut.begin > r.end) {
        next.push(r);
        continue;
      }
      if (cut.begin > r.begin) next.push({ begin: r.begin, end: cut.begin - 1 });
      if (cut.end < r.end) next.push({ begin: cut.end + 1, end: r.end });
    }
    out = next;
  }
  return out;
}

function rangesContain(have: readonly Range[], want: readonly Range[]): boolean {
  const pool = mergeRanges(have);
  return mergeRanges(want).every((w) => pool.some((h) => h.begin <= w.begin && w.end <= h.end));
}
