/**
 * The allocator: offer filters (DECLINE / unused ACCEPT resources refused for
 * `refuse_seconds`, cleared by REVIVE) and the allocation plan (an agent's unreserved
 * resources offered whole to one framework, fewest-resources-first; reserved resources
 * only to frameworks of their role). Pure over
 * {@linkcode MasterState}; the caller turns the plan into offers.
 *
 * @module
 */
import type { Plain } from "../../mesos/plain.ts";
import type { Resource } from "../../mesos/types.ts";
import {
  containsResources,
  hasRefinedReservations,
  isAllocatableTo,
  isEmptyResources,
  scalarOf,
  subtractResources,
} from "../resources/resources.ts";
import { frameworkRoles } from "../resources/roles.ts";
import { hasCapability, type MasterState } from "./state.ts";

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
  /** The role the offer is allocated to. */
  role: string;
  /** Post-refinement format, unallocated. */
  resources: Resource[];
}

/** Mesos' `--min_allocatable_resources=cpus:0.01|mem:32`. */
export function isAllocatable(resources: Resource[]): boolean {
  return scalarOf(resources, "cpus") >= 0.01 || scalarOf(resources, "mem") >= 32;
}

/**
 * Plans offers. For each connected agent, the eligible frameworks (active, connected, not
 * suppressed) are taken in order of their dominant share of cpus/mem (ties: registration
 * order), each with each of its roles: a (framework, role) gets what is left on the agent
 * that is allocatable to the role — unreserved resources, and resources reserved to the
 * role or to one of its ancestors (refined reservations only for RESERVATION_REFINEMENT
 * frameworks) — unless that is not allocatable or the framework filtered it. So one
 * framework gets an agent's unreserved resources whole, and reserved resources go only to
 * frameworks of their role.
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
  const held = new Map<string, { cpus: number; mem: number }>();
  for (const f of frameworks) {
    const used = [...state.usedByFramework(f.id), ...state.offeredToFramework(f.id)];
    held.set(f.id, { cpus: scalarOf(used, "cpus"), mem: scalarOf(used, "mem") });
  }
  const share = (id: string) => {
    const h = held.get(id)!;
    return Math.max(h.cpus / totalCpus, h.mem / totalMem);
  };

  const plan: Allocation[] = [];
  for (const agent of agents) {
    let left = state.availableOnAgent(agent.id);
    if (!isAllocatable(left)) continue;
    const order = frameworks
      .map((f, i) => ({ f, i, share: share(f.id) }))
      .sort((a, b) => a.share - b.share || a.i - b.i);
    for (const { f } of order) {
      const refinement = hasCapability(f.info, "RESERVATION_REFINEMENT");
      for (const role of frameworkRoles(f.info)) {
        const offerable = left.filter((r) =>
          isAllocatableTo(r, role) && (refinement || !hasRefinedReservations(r))
        );
        if (!isAllocatable(offerable)) continue;
        if (filters.isFiltered(f.id, agent.id, offerable, nowMs)) continue;
        plan.push({ frameworkId: f.id, agentId: agent.id, role, resources: offerable });
        left = subtractResources(left, offerable);
        const h = held.get(f.id)!;
        h.cpus += scalarOf(offerable, "cpus");
        h.mem += scalarOf(offerable, "mem");
      }
    }
  }
  return plan;
}
