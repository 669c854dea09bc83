/**
 * Cluster health from one probe (pure). Healthy means: a quorum of the voting members is
 * reachable and agrees on one leader, and a linearizable read succeeded. Like the original,
 * raft term churn and a stalled commit index count as livelocks:
 * - term churn: the highest raft term moved in two probes in a row (one move is a normal
 *   election, e.g. after a member was replaced);
 * - stalled: the linearizable read failed and the highest commit index did not move since
 *   the previous probe.
 *
 * @module
 */
import type { EtcdMemberView, ProbeMemberResult } from "./inputs.ts";

/** What the previous probe left behind for churn detection. */
export interface HealthHistory {
  lastTerm?: string;
  lastIndex?: string;
  termMoved: boolean;
}

/** The outcome of {@linkcode evaluateHealth}. */
export interface HealthVerdict {
  healthy: boolean;
  /** `cluster is healthy`, or why not. */
  reason: string;
  /** The leader a quorum agrees on. */
  leaderId?: string;
  voters: number;
  reachableVoters: number;
  quorum: number;
  /** Set when this probe detected a livelock (counted in `cluster_livelocks`). */
  livelock?: "term-churn" | "stalled";
  /** Set when the term moved since the previous probe. */
  termChange?: { from: string; to: string };
  /** History for the next evaluation. */
  history: HealthHistory;
}

/** Parses a raft number (decimal string, number or bigint); undefined when absent or bad. */
export function raftNumber(v: string | number | bigint | undefined): bigint | undefined {
  if (v === undefined || v === "") return undefined;
  try {
    const n = BigInt(v);
    return n >= 0n ? n : undefined;
  } catch {
    return undefined;
  }
}

function maxOf(values: (bigint | undefined)[]): bigint | undefined {
  let best: bigint | undefined;
  for (const v of values) if (v !== undefined && (best === undefined || v > best)) best = v;
  return best;
}

/** The voting member ids: from the membership when known, else what the probe saw. */
function voterIds(
  results: readonly ProbeMemberResult[],
  membership: readonly EtcdMemberView[] | undefined,
): Set<string> {
  if (membership !== undefined && membership.length > 0) {
    return new Set(membership.filter((m) => !m.isLearner).map((m) => m.id));
  }
  return new Set(
    results.filter((r) => r.memberId !== undefined && r.isLearner !== true).map((r) => r.memberId!),
  );
}

/** Evaluates one probe against the previous history. */
export function evaluateHealth(
  probe: {
    results: readonly ProbeMemberResult[];
    linearizableReadOk: boolean;
    membership?: readonly EtcdMemberView[];
    readError?: string;
  },
  previous: HealthHistory,
): HealthVerdict {
  const voters = voterIds(probe.results, probe.membership);
  const reachable = probe.results.filter((r) =>
    r.reachable && r.memberId !== undefined && voters.has(r.memberId)
  );
  const quorum = Math.floor(voters.size / 2) + 1;
  const term = maxOf(probe.results.filter((r) => r.reachable).map((r) => raftNumber(r.raftTerm)));
  const index = maxOf(
    probe.results.filter((r) => r.reachable).map((r) => raftNumber(r.raftIndex)),
  );
  const lastTerm = raftNumber(previous.lastTerm);
  const lastIndex = raftNumber(previous.lastIndex);
  const moved = term !== undefined && lastTerm !== undefined && term !== lastTerm;
  const history: HealthHistory = {
    lastTerm: term?.toString() ?? previous.lastTerm,
    lastIndex: index?.toString() ?? previous.lastIndex,
    termMoved: moved,
  };
  const base = { voters: voters.size, reachableVoters: reachable.length, quorum, history };
  const termChange = moved ? { from: lastTerm!.toString(), to: term!.toString() } : undefined;
  const unhealthy = (reason: string, livelock?: HealthVerdict["livelock"]): HealthVerdict => ({
    healthy: false,
    reason,
    livelock,
    termChange,
    ...base,
  });

  if (voters.size === 0) return unhealthy("no voting members known");
  if (reachable.length < quorum) {
    return unhealthy(
      `only ${reachable.length} of ${voters.size} voting members reachable, quorum is ${quorum}`,
    );
  }
  const votes = new Map<string, number>();
  for (const r of reachable) {
    if (r.leader !== undefined && r.leader !== "" && r.leader !== "0") {
      votes.set(r.leader, (votes.get(r.leader) ?? 0) + 1);
    }
  }
  const [leaderId, count] = [...votes.entries()].sort((a, b) => b[1] - a[1])[0] ?? ["", 0];
  if (count < quorum || !voters.has(leaderId)) {
    const seen = [...votes.entries()].map(([l, n]) => `${l}×${n}`).join(" ") || "none";
    return unhealthy(`no leader agreed by a quorum of ${quorum} (leaders seen: ${seen})`);
  }
  if (!probe.linearizableReadOk) {
    const why = probe.readError ? `: ${probe.readError}` : "";
    if (index !== undefined && lastIndex !== undefined && index === lastIndex) {
      return unhealthy(
        `raft stalled at commit index ${index}; linearizable read failed${why}`,
        "stalled",
      );
    }
    return unhealthy(`linearizable read failed${why}`);
  }
  if (moved && previous.termMoved) {
    return unhealthy(
      `leader unstable: raft term moved ${termChange!.from} -> ${
        termChange!.to
      } in consecutive probes`,
      "term-churn",
    );
  }
  return { healthy: true, reason: "cluster is healthy", leaderId, termChange, ...base };
}
