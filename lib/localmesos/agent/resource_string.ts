/**
 * Mesos' text forms of agent resources (`--resources`) and attributes (`--attributes`),
 * and the summary objects the agent's `/state` shows for resources.
 *
 * @module
 */
import type { Attribute, Range, Resource } from "../../mesos/types.ts";

type ValueKind = "SCALAR" | "RANGES" | "SET" | "TEXT";

interface ParsedValue {
  type: ValueKind;
  scalar?: { value: number };
  ranges?: { range: Range[] };
  set?: { item: string[] };
  text?: { value: string };
}

/**
 * Parses `cpus:4;mem:4096;disk:20000;ports:[31000-31999]` (also `name(role):value`, sets
 * `{a,b}`) into Resources without a role, the way an agent reports them in `AgentInfo`.
 * Entries with the same name and type are summed.
 *
 * @throws {TypeError} naming the text and the bad entry.
 */
export function parseResources(text: string): Resource[] {
  const out: Resource[] = [];
  for (const entry of entries(text)) {
    const colon = entry.indexOf(":");
    if (colon <= 0) throw badResources(text, entry, "expected name:value");
    let name = entry.slice(0, colon).trim();
    let role: string | undefined;
    const paren = /^([^()]+)\(([^()]*)\)$/.exec(name);
    if (paren) {
      name = paren[1]!.trim();
      role = paren[2]!.trim();
    }
    const value = parseValue(entry.slice(colon + 1).trim(), text, entry);
    if (value.type === "TEXT") throw badResources(text, entry, "a resource cannot be text");
    const resource: Resource = { name, type: value.type };
    if (value.scalar) resource.scalar = value.scalar;
    if (value.ranges) resource.ranges = value.ranges;
    if (value.set) resource.set = value.set;
    if (role !== undefined && role !== "*") resource.role = role;
    merge(out, resource);
  }
  return out;
}

/**
 * Parses `rack:r1;zone:z2;level:3;ports:[1-2];tags:{a,b}` into Attributes: a number is a
 * SCALAR, `[..]` RANGES, `{..}` a SET, anything else TEXT.
 *
 * @throws {TypeError} naming the text and the bad entry.
 */
export function parseAttributes(text: string): Attribute[] {
  return entries(text).map((entry) => {
    const colon = entry.indexOf(":");
    if (colon <= 0) throw new TypeError(`Cannot parse attributes "${text}": bad entry "${entry}"`);
    return { name: entry.slice(0, colon).trim(), ...parseValue(entry.slice(colon + 1).trim()) };
  });
}

/** Formats ranges the way Mesos' `/state` does: `[31000-31000, 31005-31010]`. */
export function formatRanges(ranges: readonly Range[]): string {
  return `[${ranges.map((r) => `${r.begin}-${r.end}`).join(", ")}]`;
}

/**
 * The `/state` summary of resources: `{disk, mem, gpus, cpus, ports}` in Mesos' key order
 * (scalars as numbers, ranges as a string; `disk`, `mem`, `gpus`, `cpus` always present).
 */
export function resourceSummary(resources: readonly Resource[]): Record<string, number | string> {
  const out: Record<string, number | string> = { disk: 0, mem: 0, gpus: 0, cpus: 0 };
  const ranges = new Map<string, Range[]>();
  for (const r of resources) {
    if (r.type === "SCALAR" && r.scalar) {
      out[r.name] = round3(Number(out[r.name] ?? 0) + r.scalar.value);
    } else if (r.type === "RANGES") {
      ranges.set(r.name, [...(ranges.get(r.name) ?? []), ...(r.ranges?.range ?? [])]);
    } else if (r.type === "SET") {
      out[r.name] = `{${(r.set?.item ?? []).join(", ")}}`;
    }
  }
  for (const [name, list] of ranges) {
    out[name] = formatRanges([...list].sort((a, b) => a.begin - b.begin));
  }
  return out;
}

/**
 * The resources as an executor sees them (LAUNCH, SUBSCRIBED): `allocation_info` with the
 * role and no `role` field, as a real agent hands them out.
 */
export function asAllocated(resources: readonly Resource[] | undefined): Resource[] | undefined {
  if (resources === undefined) return undefined;
  return resources.map((r) => {
    const { role, ...rest } = r;
    return { ...rest, allocation_info: r.allocation_info ?? { role: role ?? "*" } };
  });
}

function entries(text: string): string[] {
  return text.split(";").map((e) => e.trim()).filter((e) => e !== "");
}

function parseValue(raw: string, text?: string, entry?: string): ParsedValue {
  const fail = (why: string) =>
    new TypeError(`Cannot parse "${text ?? raw}": ${why} in "${entry ?? raw}"`);
  if (raw.startsWith("[")) {
    if (!raw.endsWith("]")) throw fail("unclosed range list");
    const body = raw.slice(1, -1).trim();
    const range = body === "" ? [] : body.split(",").map((part) => {
      const m = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(part);
      if (!m) throw fail(`bad range "${part.trim()}"`);
      const begin = Number(m[1]);
      const end = Number(m[2]);
      if (end < begin) throw fail(`range "${part.trim()}" ends before it begins`);
      return { begin, end };
    });
    return { type: "RANGES", ranges: { range } };
  }
  if (raw.startsWith("{")) {
    if (!raw.endsWith("}")) throw fail("unclosed set");
    const item = raw.slice(1, -1).split(",").map((s) => s.trim()).filter((s) => s !== "");
    return { type: "SET", set: { item } };
  }
  if (raw !== "" && /^[-+]?(\d+\.?\d*|\.\d+)$/.test(raw)) {
    return { type: "SCALAR", scalar: { value: round3(Number(raw)) } };
  }
  if (text !== undefined) throw fail(`bad value "${raw}"`);
  return { type: "TEXT", text: { value: raw } };
}

function merge(out: Resource[], r: Resource) {
  const same = out.find((o) => o.name === r.name && o.type === r.type && o.role === r.role);
  if (!same) {
    out.push(r);
    return;
  }
  if (same.scalar && r.scalar) same.scalar.value = round3(same.scalar.value + r.scalar.value);
  if (same.ranges && r.ranges) same.ranges.range = [...same.ranges.range!, ...r.ranges.range!];
  if (same.set && r.set) same.set.item = [...new Set([...same.set.item!, ...r.set.item!])];
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function badResources(text: string, entry: string, why: string): TypeError {
  return new TypeError(`Cannot parse resources "${text}": ${why} in "${entry}"`);
}
