/**
 * Whom to probe, and what a probe says about etcds that no live task accounts for (pure).
 *
 * Every member etcd lists is probed by its client URL whatever its task's state: a task that
 * ended (executor killed, agent partitioned: TASK_LOST, TASK_UNREACHABLE, TASK_GONE) may leave
 * its etcd running — an orphan that keeps voting. Such a *stray* counts as what it is for
 * raft (a reachable voter, following some leader), so the health verdict and the quorum
 * evidence match what etcd itself sees, and the normal repair path fences it by removing it
 * from the membership (a removed etcd 3.4 stops itself). It is never a reseed candidate (no
 * executor can order it), and a reseed never discards data newer than the seed's while a stray
 * holding it answers (see `reseed_evidence.ts`).
 *
 * @module
 */
import { isTerminal } from "../../lib/mesos/types.ts";
import { memberClientUrl } from "./context.ts";
import type { ProbeTarget } from "./effects.ts";
import type { EtcdMemberView, ProbeMemberResult } from "./inputs.ts";
import { etcdMemberOf, type MemberRecord, runningMembers, type State } from "./state.ts";

/** An etcd that answered the last probe although no running, non-retired task owns it. */
export interface StrayAnswer {
  /** The probe target's name (the record's name, or `etcd member <id>`). */
  name: string;
  memberId?: string;
  raftIndex?: string;
  raftTerm?: string;
  leader?: string;
  isLearner?: boolean;
  /** Its task's state, or `none` when no task of ours accounts for it. */
  taskState: string;
}

/** True when `m`'s etcd may rightly run: its task is live and not being retired. */
function owned(m: MemberRecord): boolean {
  return !isTerminal(m.taskState) && m.retiring === undefined;
}

/** The name a probe uses for an etcd member that no record accounts for. */
export function unownedName(e: EtcdMemberView): string {
  return `etcd member ${e.id}`;
}

/**
 * The members to probe: every running member, every record whose etcd is still configured
 * (task ended or being retired), and every configured etcd member without a record (by its
 * advertised client URL).
 */
export function probeTargets(s: State): ProbeTarget[] {
  const out: ProbeTarget[] = [];
  const names = new Set<string>();
  const add = (t: ProbeTarget) => {
    if (names.has(t.name)) return;
    names.add(t.name);
    out.push(t);
  };
  for (const m of runningMembers(s)) {
    add({ name: m.name, clientUrl: memberClientUrl(m), memberId: m.memberId });
  }
  for (const m of s.members) {
    const e = s.etcdMembers === undefined ? undefined : etcdMemberOf(s, m);
    if (e === undefined || names.has(m.name)) continue;
    add({ name: m.name, clientUrl: memberClientUrl(m), memberId: e.id });
  }
  for (const e of s.etcdMembers ?? []) {
    if (s.members.some((m) => etcdMemberOf(s, m)?.id === e.id)) continue;
    const url = e.clientUrls?.[0];
    if (url !== undefined) add({ name: unownedName(e), clientUrl: url, memberId: e.id });
  }
  return out;
}

/** The answers of the probe that come from etcds no running task owns. */
export function strayAnswers(s: State, results: readonly ProbeMemberResult[]): StrayAnswer[] {
  const out: StrayAnswer[] = [];
  for (const r of results) {
    if (!r.reachable) continue;
    const rec = s.members.find((m) => m.name === r.name && owned(m));
    if (rec !== undefined) continue;
    const ended = s.members.findLast((m) => m.name === r.name);
    const str = (v: string | number | bigint | undefined) =>
      v === undefined ? undefined : String(v);
    out.push({
      name: r.name,
      memberId: r.memberId,
      raftIndex: str(r.raftIndex),
      raftTerm: str(r.raftTerm),
      leader: r.leader,
      isLearner: r.isLearner,
      taskState: ended === undefined
        ? "none"
        : ended.retiring !== undefined && !isTerminal(ended.taskState)
        ? `${ended.taskState} (retiring)`
        : ended.taskState,
    });
  }
  return out;
}
