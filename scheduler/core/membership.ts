/**
 * Planning the next membership step (pure): what, if anything, the scheduler should change
 * next. One change at a time, dead members out before replacements in, destructive steps
 * rate-limited and only with a healthy (quorate) cluster when etcd must agree.
 *
 * @module
 */
import { memberIndex } from "../../contract/task_id.ts";
import {
  configuredMemberId,
  liveMembers,
  memberPeerUrl,
  type MemberRecord,
  phaseOf,
  type State,
} from "./state.ts";
import { destructiveWait } from "./rate_limit.ts";
import { describeReseed } from "./reseed.ts";
import { restoreBlocks } from "./restore.ts";
import { restartingInPlace } from "./rolling_restart_run.ts";
import { staticBootstrapBlocks } from "./static_bootstrap.ts";
import { isTerminal } from "../../lib/mesos/types.ts";
import { awaitingPeerUrls, awaitingRelaunch, relaunchWait } from "./volume_relaunch.ts";
import type { EtcdMemberView } from "./inputs.ts";

/** The next step {@linkcode planNext} chose. */
export type Plan =
  /** Nothing to do now; `until` is when waiting may end by itself. */
  | { kind: "wait"; reason: string; until?: number }
  /** Take a member out: kill its task (if `kill`) and remove it from etcd (if `removeId`). */
  | {
    kind: "retire";
    taskId: string;
    name: string;
    reason: string;
    kill: boolean;
    removeId?: string;
    /** A retirement already decided (and counted by the rate limiter) is being finished. */
    continuing: boolean;
    /**
     * A running member unreachable beyond the grace period: killed only while the cluster is
     * healthy. Without quorum the reseed decides; a restarted scheduler may not know the
     * membership (nobody answers), and its silent members may be fenced survivors.
     */
    unreachable?: boolean;
  }
  /** Remove an etcd member that has no task. */
  | { kind: "prune"; memberId: string; name: string; reason: string }
  /** Take over a running learner (e.g. found after a failover) and promote it when ready. */
  | { kind: "adoptLearner"; taskId: string; name: string }
  /** Launch the first member (`new`); needs an offer. */
  | { kind: "bootstrap" }
  /** Add one member (learner, then launch); needs an offer. */
  | { kind: "add" }
  /** Cluster complete: nothing wanted. */
  | { kind: "complete" };

function secs(ms: number): string {
  return `${Math.ceil(ms / 1000)}s`;
}

/**
 * A member that must go, with why and how: a retirement to finish, a dead task still
 * configured in etcd, a running member unreachable beyond the grace period, or a task that
 * never reached TASK_RUNNING. (A member removed from etcd out of band stops by itself; its
 * task then ends and is handled as a dead task, so stale member lists never cause a kill.)
 */
function nextRetirement(s: State, now: number): Extract<Plan, { kind: "retire" }> | undefined {
  const o = s.options;
  const pick = (m: MemberRecord, reason: string, kill: boolean, continuing = false) => ({
    kind: "retire" as const,
    taskId: m.taskId,
    name: m.name,
    reason,
    kill,
    removeId: configuredMemberId(s, m),
    continuing,
  });
  // Silent members first: removing a member that does not answer never costs etcd an
  // active voter, while strict reconfiguration may refuse removing one that answers.
  const silentFirst = [...s.members].sort((a, b) => Number(answers(s, a)) - Number(answers(s, b)));
  // A dead member with a persistent volume is relaunched in place, not removed.
  const relaunching = new Set(awaitingRelaunch(s).map((r) => r.member));
  for (const m of silentFirst) {
    if (configuredMemberId(s, m) === undefined) continue;
    if (m.retiring === undefined && relaunching.has(m.name)) continue;
    if (m.retiring !== undefined) return pick(m, m.retiring.reason, false, true);
    if (isTerminal(m.taskState)) return pick(m, `its task is ${m.taskState}`, false);
  }
  for (const m of liveMembers(s)) {
    if (
      m.taskState === "TASK_RUNNING" && m.unreachableSince !== undefined &&
      !restartingInPlace(s, m.name)
    ) {
      const down = now - m.unreachableSince;
      if (down >= o.memberGracePeriodMs) {
        return {
          ...pick(m, `unreachable for ${secs(down)} (grace ${secs(o.memberGracePeriodMs)})`, true),
          unreachable: true,
        };
      }
    }
    if (m.taskState !== "TASK_RUNNING" && m.launchedAt !== undefined) {
      const waited = now - m.launchedAt;
      if (waited >= o.launchTimeoutMs) {
        return pick(m, `not TASK_RUNNING after ${secs(waited)} (still ${m.taskState})`, true);
      }
    }
  }
  return undefined;
}

/** True when `m`'s etcd answered the last probe (running, or a stray). */
function answers(s: State, m: MemberRecord): boolean {
  return m.reachable === true || (s.strays ?? []).some((x) => x.name === m.name);
}

/** True when the etcd member `id` answered the last probe as a stray. */
function strayAnswers(s: State, id: string): boolean {
  return (s.strays ?? []).some((x) => x.memberId === id);
}

/** A configured etcd member that no task of ours accounts for. */
export function orphanMember(s: State): EtcdMemberView | undefined {
  if (s.etcdMembers === undefined) return undefined;
  const changeUrl = s.change?.kind === "add" ? s.change.peerUrl : undefined;
  const relaunching = awaitingPeerUrls(s);
  return s.etcdMembers.find((e) => {
    if (changeUrl !== undefined && e.peerUrls.includes(changeUrl)) return false;
    if (relaunching.some((url) => e.peerUrls.includes(url))) return false;
    if (s.change?.kind === "add" && s.change.memberId === e.id) return false;
    return !s.members.some((m) =>
      (m.memberId !== undefined && m.memberId === e.id) || e.peerUrls.includes(memberPeerUrl(m))
    );
  });
}

/** The member to drop when there are more than `--cluster-size`: the newest non-leader. */
function surplusMember(s: State, live: MemberRecord[]): MemberRecord | undefined {
  const candidates = live.filter((m) =>
    m.memberId === undefined || m.memberId !== s.health.leaderId
  );
  candidates.sort((a, b) => (memberIndex(b.name) ?? 0) - (memberIndex(a.name) ?? 0));
  return candidates[0];
}

/** True when the last health verdict came from a probe started after the last change. */
export function healthIsFresh(s: State): boolean {
  const started = s.health.probeStartedAt;
  return started !== undefined && (s.lastChangeAt === undefined || started >= s.lastChangeAt);
}

/** Chooses the next membership step at `now`. */
export function planNext(s: State, now: number): Plan {
  const phase = phaseOf(s);
  if (phase === "lost") {
    return { kind: "wait", reason: "total cluster loss: every member is gone; a reseed is needed" };
  }
  if (phase === "reseeding") {
    return { kind: "wait", reason: `reseeding: ${describeReseed(s) ?? "?"}` };
  }
  const restoring = restoreBlocks(s);
  if (restoring !== undefined) return { kind: "wait", reason: restoring };
  const stopping = staticBootstrapBlocks(s);
  if (stopping !== undefined) return { kind: "wait", reason: stopping };
  if (phase === "disconnected") return { kind: "wait", reason: "disconnected from the master" };
  if (phase === "reconciling") return { kind: "wait", reason: "reconciling tasks with the master" };
  if (s.change !== undefined) {
    const c = s.change;
    const what = c.kind === "add" ? `add of ${c.name} (${c.step})` : `${c.kind} of ${c.name}`;
    return { kind: "wait", reason: `${what} in progress` };
  }
  if (s.retryAt !== undefined && now < s.retryAt) {
    return { kind: "wait", reason: "backing off after a failed etcd call", until: s.retryAt };
  }
  const o = s.options;
  const gate = (what: string, needsQuorum: boolean, continuing: boolean): Plan | undefined => {
    if (needsQuorum && !s.health.healthy) {
      return { kind: "wait", reason: `cluster unhealthy (${s.health.reason}); not yet: ${what}` };
    }
    const wait = continuing
      ? 0
      : destructiveWait(s.lastDestructiveAt, now, o.destructiveIntervalMs);
    if (wait > 0) {
      return {
        kind: "wait",
        reason: `rate limited for ${secs(wait)}: ${what}`,
        until: now + wait,
      };
    }
    return undefined;
  };

  let retire = nextRetirement(s, now);
  const orphan = orphanMember(s);
  // A silent orphan goes before a member that still answers (see nextRetirement).
  const retiree = retire && s.members.find((m) => m.taskId === retire!.taskId);
  if (orphan && retiree && answers(s, retiree) && !strayAnswers(s, orphan.id)) retire = undefined;
  if (retire !== undefined) {
    const what = `retire ${retire.name} (${retire.reason})`;
    const needsQuorum = retire.removeId !== undefined || retire.unreachable === true;
    return gate(what, needsQuorum, retire.continuing) ?? retire;
  }
  if (orphan !== undefined) {
    const name = orphan.name || `unstarted member ${orphan.id}`;
    const prune: Plan = {
      kind: "prune",
      memberId: orphan.id,
      name,
      reason: `etcd member ${name} (${orphan.peerUrls.join(",")}) has no task`,
    };
    return gate(`remove ${name} (no task)`, true, false) ?? prune;
  }
  const live = liveMembers(s);
  const learner = live.find((m) => m.learner && m.taskState === "TASK_RUNNING");
  if (learner !== undefined) {
    return { kind: "adoptLearner", taskId: learner.taskId, name: learner.name };
  }

  const relaunch = relaunchWait(s, live.length);
  if (relaunch !== undefined) return relaunch;
  if (live.length < o.clusterSize) {
    if (live.length === 0) {
      if (s.clusterFormed || (s.etcdMembers?.length ?? 0) > 0) {
        return { kind: "wait", reason: "no live member but etcd membership exists" };
      }
      return { kind: "bootstrap" };
    }
    const starting = live.find((m) => m.taskState !== "TASK_RUNNING");
    if (starting !== undefined) {
      return {
        kind: "wait",
        reason: `waiting for ${starting.name} to run (${starting.taskState})`,
      };
    }
    if (!s.health.healthy) {
      return { kind: "wait", reason: `cluster unhealthy (${s.health.reason}); not adding members` };
    }
    if (!healthIsFresh(s)) return { kind: "wait", reason: "waiting for a fresh health check" };
    return { kind: "add" };
  }
  if (live.length > o.clusterSize) {
    const victim = surplusMember(s, live);
    if (victim !== undefined) {
      const reason = `${live.length} members exceed --cluster-size ${o.clusterSize}`;
      const retireExtra: Plan = {
        kind: "retire",
        taskId: victim.taskId,
        name: victim.name,
        reason,
        kill: true,
        removeId: configuredMemberId(s, victim),
        continuing: false,
      };
      return gate(`retire ${victim.name} (${reason})`, true, false) ?? retireExtra;
    }
  }
  return { kind: "complete" };
}
