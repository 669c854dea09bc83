/**
 * The allocator: offer filters (DECLINE / unused ACCEPT resources refused for
 * `refuse_seconds`, cleared by REVIVE) and the allocation plan (each agent's unallocated
 * resources offered whole to one framework, fewest-resources-first). Pure over
 * {@linkcode MasterState}; the caller turns the plan into offers.
 *
 * @module
 */
import type { Plain } from "../../mesos/plain.ts";
import type { Resource } from "../../mesos/types.ts";
import { containsResources, isEmptyResources, scalarOf } from "./resources.ts";
import type { MasterState } from "./state.ts";

/** Default of `Filters.refuse_seconds`. */
export const DEFAULT_REFUSE_SECONDS = 5;
/** Mesos caps `refuse_seconds` at one year. */
export const MAX_REFUSE_SECONDS = 31536000;

/** `filters.refuse_seconds` with Mesos' default and cap (seconds; <= 0 means no filter). */
export function refuseSeconds(filters: Plain | undefined): number {
  const v = filters?.refuse_seconds;
  if (typeof v !== "number" || Number.isNaN(v)) return DEFAULT_REFUSE_SECONDS;
  return Math.min(v, MAX_REFUSE_SECONDS);
}

interface Filter {
  resources: Resource[];
  /** ms since the epoch */
  expiresAt: number;
}

/**
 * Per-framework offer filters, indexed by agent so that the allocator's check of one
 * agent costs O(filters on that agent), not O(all filters) (10,000 declined agents).
 */
export class OfferFilters {
  #byFramework = new Map<string, Map<string, Filter[]>>();

  /**
   * Refuses `resources` of `agentId` to `frameworkId` for `seconds`. Returns the expiry
   * (ms), or undefined when nothing was filtered (`seconds <= 0` or no resources).
   */
  add(
    frameworkId: string,
    agentId: string,
    resources: Resource[],
    seconds: number,
    nowMs: number,
  ): number | undefined {
    if (!(seconds > 0) || isEmptyResources(resources)) return undefined;
    const expiresAt = nowMs + seconds * 1000;
    let agents = this.#byFramework.get(frameworkId);
    if (agents === undefined) this.#byFramework.set(frameworkId, agents = new Map());
    const list = agents.get(agentId) ?? [];
    list.push({ resources, expiresAt });
    agents.set(agentId, list);
    return expiresAt;
  }

  /** True when an unexpired filter covers all of `resources` (Mesos' subset rule). */
  isFiltered(frameworkId: string, agentId: string, resources: Resource[], nowMs: number): boolean {
    const agents = this.#byFramework.get(frameworkId);
    const list = agents?.get(agentId);
    if (agents === undefined || list === undefined) return false;
    const live = list.filter((f) => f.expiresAt > nowMs);
    if (live.length === 0) agents.delete(agentId);
    else if (live.length !== list.length) agents.set(agentId, live);
    return live.some((f) => containsResources(f.resources, resources));
  }

  /** Drops every filter of `frameworkId` (REVIVE, removal). */
  clear(frameworkId: string): void {
    this.#byFramework.delete(frameworkId);
  }

  /** Drops every filter on `agentId` (agent removed). */
  clearAgent(agentId: string): void {
    for (const agents of this.#byFramework.values()) agents.delete(agentId);
  }

  /** How many unexpired filters `frameworkId` has. */
  count(frameworkId: string, nowMs: number): number {
    let n = 0;
    for (const list of this.#byFramework.get(frameworkId)?.values() ?? []) {
      for (const f of list) if (f.expiresAt > nowMs) n++;
    }
    return n;
  }
}

/** One planned offer. */
export interface Allocation {
  frameworkId: string;
  agentId: string;
  resources: Resource[];
}

/** Mesos' `--min_allocatable_resources=cpus:0.01|mem:32`. */
export function isAllocatable(resources: Resource[]): boolean {
  return scalarOf(resources, "cpus") >= 0.01 || scalarOf(resources, "mem") >= 32;
}

/**
 * Plans offers: for each connected agent with allocatable free resources, the eligible
 * framework (active, connected, not suppressed, not filtered) with the smallest dominant
 * share of cpus/mem (ties: registration order) gets all of them.
 */
export function planAllocation(
  state: MasterState,
  filters: OfferFilters,
  nowMs: number,
): Allocation[] {
  const frameworks = [...state.frameworks.values()].filter((f) =>
    f.connected && f.active && !f.suppressed
  );
  if (frameworks.length === 0) return [];
  const agents = [...state.agents.values()].filter((a) => a.connected);
  const totalCpus = agents.reduce((s, a) => s + scalarOf(a.total, "cpus"), 0) || 1;
  const totalMem = agents.reduce((s, a) => s + scalarOf(a.total, "mem"), 0) || 1;
  const share = new Map<string, number>();
  const held = new Map<string, { cpus: number; mem: number }>();
  for (const f of frameworks) {
    const used = [...state.usedByFramework(f.id), ...state.offeredToFramework(f.id)];
    held.set(f.id, { cpus: scalarOf(used, "cpus"), mem: scalarOf(used, "mem") });
  }
  const dominant = (id: string) => {
    const h = held.get(id)!;
    return Math.max(h.cpus / totalCpus, h.mem / totalMem);
  };
  for (const f of frameworks) share.set(f.id, dominant(f.id));

  const plan: Allocation[] = [];
  for (const agent of agents) {
    const available = state.availableOnAgent(agent.id);
    if (!isAllocatable(available)) continue;
    const candidates = frameworks
      .filter((f) => !filters.isFiltered(f.id, agent.id, available, nowMs))
      .sort((a, b) => share.get(a.id)! - share.get(b.id)!);
    const chosen = candidates[0];
    if (chosen === undefined) continue;
    plan.push({ frameworkId: chosen.id, agentId: agent.id, resources: available });
    const h = held.get(chosen.id)!;
    h.cpus += scalarOf(available, "cpus");
    h.mem += scalarOf(available, "mem");
    share.set(chosen.id, dominant(chosen.id));
  }
  return plan;
}
