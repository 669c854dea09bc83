/**
 * The etcd maintenance decision (pure): given the members (role, reachability, db size and
 * in-use size), etcd's raised alarms and what maintenance remembers, the one next call to
 * make — or why none.
 *
 * - **NOSPACE** (the space quota is exhausted, etcd refuses writes): handled in order, one call
 *   at a time — compact the history to the current revision, defragment every reachable
 *   member (followers first, the leader last), then disarm the alarm. A new NOSPACE within
 *   {@linkcode MaintenanceSettings.nospaceCooldownMs} of the last handling is not handled
 *   again at once (the live data itself exceeds the quota: compaction cannot help).
 * - **Fragmentation**: a member whose `(dbSize − inUse) / dbSize` passes the threshold, with
 *   a db of at least the minimum size, is defragmented — one member at a time, followers
 *   (and learners) before the leader, each at most once per cooldown — and only while the
 *   cluster is healthy with every voting member reachable (a member being defragmented
 *   blocks, so it must not cost quorum).
 *
 * Nothing happens while the core is not mutable (reconciling, reseeding, lost).
 *
 * @module
 */
import type { EtcdAlarm } from "../../lib/etcd/maintenance.ts";

/** One member as maintenance sees it. */
export interface MaintenanceMember {
  name: string;
  memberId: string;
  clientUrl: string;
  leader: boolean;
  learner: boolean;
  /** Answered the last probe. */
  reachable: boolean;
  /** Backend bytes allocated and in use, from the last probe that reported them. */
  dbSize?: number;
  dbSizeInUse?: number;
}

/** What the decision looks at. */
export interface MaintenanceInput {
  members: readonly MaintenanceMember[];
  /** etcd's raised alarms (AlarmList). */
  alarms: readonly EtcdAlarm[];
  /** The core may change things (connected, reconciled, no reseed, not lost). */
  mutable: boolean;
  /** The last probe found the cluster healthy. */
  healthy: boolean;
}

/** What maintenance remembers between decisions. */
export interface MaintenanceMemory {
  /** The NOSPACE handling in progress. */
  nospace?: {
    since: number;
    step: "compact" | "defrag" | "disarm";
    /** Member ids defragmented (or tried) by this handling. */
    defragged: string[];
  };
  /** When the last NOSPACE handling ended. */
  nospaceEndedAt?: number;
  /** Member id → when it was last defragmented. */
  lastDefragAt: Record<string, number>;
}

/** The knobs. */
export interface MaintenanceSettings {
  /** `--defrag-threshold`. */
  defragThreshold: number;
  /** `--defrag-min-db-size`, bytes. */
  defragMinDbBytes: number;
  /** A member is defragmented for fragmentation at most once per this; default 10 min. */
  defragCooldownMs: number;
  /** Least time between two NOSPACE handlings; default 1 min. */
  nospaceCooldownMs: number;
}

/** Default cooldowns. */
export const DEFAULT_COOLDOWNS = { defragCooldownMs: 600_000, nospaceCooldownMs: 60_000 };

/** The next call, with the reason that goes into the audit trail. */
export type MaintenanceAction =
  | { kind: "none"; why: string }
  /** NOSPACE raised: start handling it (an event; the next decision compacts). */
  | { kind: "nospace"; reason: string; members: string[] }
  | { kind: "compact"; reason: string }
  | {
    kind: "defrag";
    member: MaintenanceMember;
    cause: "nospace" | "fragmentation";
    reason: string;
  }
  | { kind: "disarm"; alarm: EtcdAlarm; member: string; reason: string };

/** A decision: the action, and the memory once it is taken (before its outcome). */
export interface MaintenancePlan {
  action: MaintenanceAction;
  memory: MaintenanceMemory;
}

/** A fresh memory. */
export function initialMaintenanceMemory(): MaintenanceMemory {
  return { lastDefragAt: {} };
}

/** `(dbSize − inUse) / dbSize`, or undefined without sizes. */
export function fragmentationOf(m: MaintenanceMember): number | undefined {
  if (m.dbSize === undefined || m.dbSizeInUse === undefined || m.dbSize <= 0) return undefined;
  return Math.max(0, m.dbSize - m.dbSizeInUse) / m.dbSize;
}

/** `12.3 MiB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

function sizes(m: MaintenanceMember): string {
  return m.dbSize === undefined
    ? "size unknown"
    : `db ${formatBytes(m.dbSize)}, in use ${formatBytes(m.dbSizeInUse ?? m.dbSize)}`;
}

/** Learners, then followers, then the leader; the most fragmented first within each. */
function defragOrder(a: MaintenanceMember, b: MaintenanceMember): number {
  const rank = (m: MaintenanceMember) => m.leader ? 2 : m.learner ? 0 : 1;
  return rank(a) - rank(b) || (fragmentationOf(b) ?? 0) - (fragmentationOf(a) ?? 0);
}

const none = (memory: MaintenanceMemory, why: string): MaintenancePlan => ({
  action: { kind: "none", why },
  memory,
});

function planNospace(
  memory: MaintenanceMemory,
  input: MaintenanceInput,
  now: number,
): MaintenancePlan {
  const run = memory.nospace!;
  const nameOf = (id: string) => input.members.find((m) => m.memberId === id)?.name ?? id;
  if (run.step === "compact") {
    return {
      action: { kind: "compact", reason: "NOSPACE: compact the history to the current revision" },
      memory,
    };
  }
  if (run.step === "defrag") {
    const next = input.members.filter((m) => m.reachable && !run.defragged.includes(m.memberId))
      .sort(defragOrder)[0];
    if (next !== undefined) {
      return {
        action: {
          kind: "defrag",
          member: next,
          cause: "nospace",
          reason: `NOSPACE: free the compacted space of ${next.name}` +
            `${next.leader ? " (the leader, last)" : ""} (${sizes(next)})`,
        },
        memory,
      };
    }
    return planNospace({ ...memory, nospace: { ...run, step: "disarm" } }, input, now);
  }
  const alarm = input.alarms.find((a) => a.alarm === "NOSPACE");
  if (alarm === undefined) {
    const { nospace: _, ...rest } = memory;
    return none({ ...rest, nospaceEndedAt: now }, "NOSPACE handled");
  }
  return {
    action: {
      kind: "disarm",
      alarm,
      member: nameOf(alarm.memberId),
      reason: `NOSPACE of ${nameOf(alarm.memberId)}: compacted and defragmented ` +
        `${run.defragged.length} member(s)`,
    },
    memory,
  };
}

/** The next maintenance call; see the module comment. */
export function planMaintenance(
  memory: MaintenanceMemory,
  input: MaintenanceInput,
  now: number,
  settings: MaintenanceSettings,
): MaintenancePlan {
  if (!input.mutable) return none(memory, "the scheduler is not mutable");
  const nospace = input.alarms.filter((a) => a.alarm === "NOSPACE");
  if (memory.nospace !== undefined) return planNospace(memory, input, now);
  if (nospace.length > 0) {
    const since = memory.nospaceEndedAt;
    if (since !== undefined && now - since < settings.nospaceCooldownMs) {
      return none(
        memory,
        "NOSPACE again right after handling it: the live data exceeds the quota " +
          "(delete data or raise --quota-backend-bytes)",
      );
    }
    const names = nospace.map((a) =>
      input.members.find((m) => m.memberId === a.memberId)?.name ?? a.memberId
    );
    return {
      action: {
        kind: "nospace",
        members: names,
        reason: `etcd raised NOSPACE (space quota exhausted) on ${names.join(", ")}: ` +
          "compact, defragment each member, then disarm",
      },
      memory: { ...memory, nospace: { since: now, step: "compact", defragged: [] } },
    };
  }
  if (!input.healthy) return none(memory, "the cluster is not healthy");
  const unreachable = input.members.filter((m) => !m.learner && !m.reachable);
  if (unreachable.length > 0) {
    return none(memory, `${unreachable.map((m) => m.name).join(", ")} unreachable`);
  }
  const due = input.members.filter((m) => {
    const f = fragmentationOf(m);
    const last = memory.lastDefragAt[m.memberId];
    return f !== undefined && f > settings.defragThreshold &&
      (m.dbSize ?? 0) >= settings.defragMinDbBytes &&
      (last === undefined || now - last >= settings.defragCooldownMs);
  }).sort(defragOrder);
  const next = due[0];
  if (next === undefined) return none(memory, "no member needs defragmentation");
  return {
    action: {
      kind: "defrag",
      member: next,
      cause: "fragmentation",
      reason: `fragmentation ${fragmentationOf(next)!.toFixed(2)} of ${next.name} over ` +
        `--defrag-threshold ${settings.defragThreshold} (${sizes(next)})`,
    },
    memory,
  };
}

/** The memory after `action` was carried out (`ok`) or failed. */
export function afterMaintenance(
  memory: MaintenanceMemory,
  action: MaintenanceAction,
  ok: boolean,
  now: number,
): MaintenanceMemory {
  const run = memory.nospace;
  if (action.kind === "compact" && ok && run !== undefined) {
    return { ...memory, nospace: { ...run, step: "defrag" } };
  }
  if (action.kind === "defrag") {
    const id = action.member.memberId;
    const lastDefragAt = { ...memory.lastDefragAt, [id]: now };
    if (action.cause === "nospace" && run !== undefined) {
      // A member that cannot be defragmented is not waited for: it is tried once per handling.
      return { ...memory, lastDefragAt, nospace: { ...run, defragged: [...run.defragged, id] } };
    }
    return { ...memory, lastDefragAt };
  }
  return memory;
}
