/**
 * Resource arithmetic for the local master's allocator: scalars (`cpus`, `mem`, `disk`,
 * `gpus`), ranges (`ports`) and sets, merged by name. Roles and reservations are not
 * modelled (everything is unreserved `*`); scalars keep Mesos' three decimals.
 *
 * @module
 */
import type { Range, Resource } from "../../mesos/types.ts";

/** Rounds a scalar the way Mesos' fixed-point arithmetic does (3 decimals). */
export function roundScalar(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** The resources without role/allocation info, merged by name, empties dropped. */
export function normalize(resources: readonly Resource[]): Resource[] {
  return addResources([], resources);
}

/** `a + b`, merged by name (order: `a`'s names first, then new names of `b`). */
export function addResources(a: readonly Resource[], b: readonly Resource[]): Resource[] {
  const out = new Map<string, Resource>();
  for (const r of [...a, ...b]) {
    const prev = out.get(r.name);
    out.set(r.name, prev === undefined ? clean(r) : combine(prev, r, 1));
  }
  return [...out.values()].filter((r) => !isEmptyResource(r));
}

/** `a - b` (never negative; missing parts of `b` are ignored). */
export function subtractResources(a: readonly Resource[], b: readonly Resource[]): Resource[] {
  const out = new Map<string, Resource>();
  for (const r of a) {
    const prev = out.get(r.name);
    out.set(r.name, prev === undefined ? clean(r) : combine(prev, r, 1));
  }
  for (const r of b) {
    const prev = out.get(r.name);
    if (prev !== undefined) out.set(r.name, combine(prev, r, -1));
  }
  return [...out.values()].filter((r) => !isEmptyResource(r));
}

/** True when `have` contains every part of `want`. */
export function containsResources(have: readonly Resource[], want: readonly Resource[]): boolean {
  const pool = new Map(normalize(have).map((r) => [r.name, r]));
  for (const w of normalize(want)) {
    const h = pool.get(w.name);
    if (h === undefined || h.type !== w.type) return false;
    if (w.type === "SCALAR" && roundScalar((h.scalar?.value ?? 0) - (w.scalar?.value ?? 0)) < 0) {
      return false;
    }
    if (w.type === "RANGES" && !rangesContain(rangesOf(h), rangesOf(w))) return false;
    if (w.type === "SET") {
      const items = new Set(h.set?.item ?? []);
      if (!(w.set?.item ?? []).every((i) => items.has(i))) return false;
    }
  }
  return true;
}

/** True when nothing is left (no positive scalar, no range, no set item). */
export function isEmptyResources(resources: readonly Resource[]): boolean {
  return resources.every(isEmptyResource);
}

/** The value of scalar `name` (0 when absent). */
export function scalarOf(resources: readonly Resource[], name: string): number {
  let sum = 0;
  for (const r of resources) {
    if (r.name === name && r.type === "SCALAR") sum += r.scalar?.value ?? 0;
  }
  return roundScalar(sum);
}

/** The merged, sorted ranges of `name` (e.g. `ports`). */
export function rangesNamed(resources: readonly Resource[], name: string): Range[] {
  return mergeRanges(resources.filter((r) => r.name === name).flatMap(rangesOf));
}

/**
 * Copies of `resources` as the master offers them: `role: "*"` on each, plus
 * `allocation_info {role}` when `allocationRole` is given (MULTI_ROLE frameworks).
 */
export function forOffer(resources: readonly Resource[], allocationRole?: string): Resource[] {
  return normalize(resources).map((r) => {
    const out: Resource = { ...r, role: "*" };
    if (allocationRole !== undefined) out.allocation_info = { role: allocationRole };
    return out;
  });
}

/** Formats ranges as Mesos' state endpoints do: `[31000-31000, 31005-31010]` (always lo-hi). */
export function formatRanges(ranges: readonly Range[]): string {
  return `[${mergeRanges(ranges).map((r) => `${r.begin}-${r.end}`).join(", ")}]`;
}

function isEmptyResource(r: Resource): boolean {
  if (r.type === "SCALAR") return roundScalar(r.scalar?.value ?? 0) <= 0;
  if (r.type === "RANGES") return rangesOf(r).length === 0;
  if (r.type === "SET") return (r.set?.item ?? []).length === 0;
  return false;
}

function clean(r: Resource): Resource {
  const out: Resource = { name: r.name, type: r.type };
  if (r.type === "SCALAR") out.scalar = { value: roundScalar(r.scalar?.value ?? 0) };
  if (r.type === "RANGES") out.ranges = { range: mergeRanges(rangesOf(r)) };
  if (r.type === "SET") out.set = { item: [...new Set(r.set?.item ?? [])] };
  return out;
}

function combine(a: Resource, b: Resource, sign: 1 | -1): Resource {
  if (a.type !== b.type) return a;
  if (a.type === "SCALAR") {
    const v = roundScalar((a.scalar?.value ?? 0) + sign * (b.scalar?.value ?? 0));
    return { ...a, scalar: { value: Math.max(0, v) } };
  }
  if (a.type === "RANGES") {
    const range = sign > 0
      ? mergeRanges([...rangesOf(a), ...rangesOf(b)])
      : subtractRanges(rangesOf(a), rangesOf(b));
    return { ...a, ranges: { range } };
  }
  if (a.type === "SET") {
    const items = new Set(a.set?.item ?? []);
    for (const i of b.set?.item ?? []) sign > 0 ? items.add(i) : items.delete(i);
    return { ...a, set: { item: [...items] } };
  }
  return a;
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
