/**
 * The evidence a reseed decision rests on (pure): which voting members answered the last
 * probe, whether any of them follows a leader, and each member's raft index as it reported
 * it itself. {@linkcode rankSurvivors} orders the candidates to seed from.
 *
 * @module
 */
import { isTerminal } from "../../lib/mesos/types.ts";
import { raftNumber } from "./health.ts";
import { etcdMemberOf, type MemberRecord, type State } from "./state.ts";

/** What the last probe says about quorum. */
export interface QuorumEvidence {
  /** Voting members (from etcd's membership when known, else from the member records). */
  voters: number;
  /** Voting members that answered the last probe. */
  reachableVoters: number;
  quorum: number;
  /** Leader ids that reachable members follow (empty: nobody has a leader). */
  leaders: string[];
  /** Members (voters or learners) that answered the last probe. */
  reachable: number;
  /** A majority of the voters is unreachable and no reachable member has a leader. */
  quorumLost: boolean;
  /** One line per member: reachability, raft index and term, leader; or why not. */
  summary: string;
}

/** True when `m` answered the last probe (stale answers of ended or retired tasks do not count). */
export function answered(m: MemberRecord): boolean {
  return m.taskState === "TASK_RUNNING" && m.retiring === undefined && m.reachable === true;
}

const hasLeader = (id: string | undefined) => id !== undefined && id !== "" && id !== "0";

function describe(s: State, m: MemberRecord): string {
  if (isTerminal(m.taskState)) return `${m.name}: task ${m.taskState}`;
  if (m.retiring !== undefined) return `${m.name}: retiring (${m.retiring.reason})`;
  if (answered(m)) {
    const leader = hasLeader(m.leaderId) ? m.leaderId : "none";
    const role = m.learner ? " learner" : "";
    return `${m.name}: reachable${role} index=${m.raftIndex ?? "?"} term=${
      m.raftTerm ?? "?"
    } leader=${leader}`;
  }
  if (m.taskState !== "TASK_RUNNING") return `${m.name}: task ${m.taskState}`;
  const configured = s.etcdMembers === undefined || etcdMemberOf(s, m) !== undefined;
  const why = m.lastError ? ` (${m.lastError})` : "";
  return `${m.name}: unreachable${why}${configured ? "" : " not configured"}`;
}

/** The quorum evidence of the last probe in `s` (strays count: they vote in etcd). */
export function quorumEvidence(s: State): QuorumEvidence {
  const up = s.members.filter(answered);
  const strays = s.strays ?? [];
  let voters: number;
  let reachableVoters: number;
  if (s.etcdMembers !== undefined && s.etcdMembers.length > 0) {
    const ids = s.etcdMembers.filter((e) => !e.isLearner);
    voters = ids.length;
    reachableVoters = ids.filter((e) =>
      up.some((m) =>
        !m.learner && etcdMemberOf(s, m)?.id === e.id
      ) ||
      strays.some((x) => x.memberId === e.id && x.isLearner !== true)
    ).length;
  } else {
    const known = s.members.filter((m) => !m.learner && m.retiring === undefined);
    voters = known.length;
    reachableVoters = known.filter(answered).length;
  }
  const quorum = Math.floor(voters / 2) + 1;
  const leaders = [
    ...new Set([...up.map((m) => m.leaderId), ...strays.map((x) => x.leader)].filter(hasLeader)),
  ] as string[];
  const lines = s.members.map((m) => describe(s, m));
  for (const x of strays) {
    lines.push(
      `${x.name}: STRAY (task ${x.taskState}) index=${x.raftIndex ?? "?"} leader=${
        hasLeader(x.leader) ? x.leader : "none"
      }`,
    );
  }
  for (const e of s.etcdMembers ?? []) {
    const ours = s.members.some((m) => etcdMemberOf(s, m)?.id === e.id);
    if (!ours && !strays.some((x) => x.memberId === e.id)) {
      lines.push(`${e.name || e.id}: configured in etcd, no task`);
    }
  }
  return {
    voters,
    reachableVoters,
    quorum,
    leaders,
    reachable: up.length,
    quorumLost: voters > 0 && reachableVoters < quorum && leaders.length === 0,
    summary: lines.join("; ") || "no members",
  };
}

/**
 * A stray (an etcd no executor can order) that holds data newer than `best`, the best
 * survivor: seeding from `best` would discard it, so the reseed must not go on.
 */
export function strayAhead(s: State, best: MemberRecord): string | undefined {
  const bestIndex = raftNumber(best.raftIndex) ?? 0n;
  for (const x of s.strays ?? []) {
    const i = raftNumber(x.raftIndex);
    if (i !== undefined && i > bestIndex && x.isLearner !== true) {
      return `stray ${x.name} (task ${x.taskState}) holds raft index ${i} > ${best.name}'s ` +
        `${bestIndex}; seeding would discard it: bring its agent back, or remove its etcd`;
    }
  }
  return undefined;
}

/** One line for logs: `1 of 3 voting members reachable (quorum 2), no leader`. */
export function quorumLine(e: QuorumEvidence): string {
  const leader = e.leaders.length === 0 ? "no leader" : `leader ${e.leaders.join(",")}`;
  return `${e.reachableVoters} of ${e.voters} voting members reachable (quorum ${e.quorum}), ${leader}`;
}

/** The log fields of a decision: the quorum line and every member's evidence. */
export function evidenceFields(s: State): Record<string, string> {
  const e = quorumEvidence(s);
  return { quorum: quorumLine(e), evidence: e.summary };
}

/**
 * The survivors a reseed may start from, best first: running voting members that answered
 * the last probe with a raft index, by that index (then term) descending; ties go to the
 * older member.
 */
export function rankSurvivors(s: State): MemberRecord[] {
  const keyed = s.members
    .filter((m) => answered(m) && !m.learner)
    .map((m) => ({ m, index: raftNumber(m.raftIndex), term: raftNumber(m.raftTerm) ?? 0n }))
    .filter((x): x is { m: MemberRecord; index: bigint; term: bigint } => x.index !== undefined);
  keyed.sort((a, b) => {
    if (a.index !== b.index) return a.index > b.index ? -1 : 1;
    if (a.term !== b.term) return a.term > b.term ? -1 : 1;
    return s.members.indexOf(a.m) - s.members.indexOf(b.m);
  });
  return keyed.map((x) => x.m);
}

/** `etcd-3@42, etcd-1@40` for logs. */
export function rankingLine(ranked: readonly MemberRecord[]): string {
  return ranked.map((m) => `${m.name}@${m.raftIndex}`).join(", ") || "none";
}
