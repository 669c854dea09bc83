/**
 * Handlers of etcd answers: probe results (per-member health, membership, the cluster
 * verdict, learner catch-up) and the results of membership calls.
 *
 * @module
 */
import { type Ctx, log, voterEndpoints } from "./context.ts";
import { evaluateHealth, raftNumber } from "./health.ts";
import type { EtcdMemberView, EtcdResultInput, ProbeInput } from "./inputs.ts";
import { withMembership } from "./launch_spec.ts";
import { memberIndex } from "../../contract/task_id.ts";
import { strayAnswers } from "./probe_targets.ts";
import { finishAbandonedJoin, startRemove } from "./retire.ts";
import { trackQuorum } from "./reseed_trigger.ts";
import { configuredMemberId, liveMembers, type MemberRecord, type State } from "./state.ts";

const str = (v: string | number | bigint | undefined) => v === undefined ? undefined : String(v);

/** True when a learner's index is within etcd's promotion threshold (90%) of the leader's. */
export function learnerReady(learnerIndex: bigint | undefined, leaderIndex: bigint | undefined) {
  if (learnerIndex === undefined || leaderIndex === undefined) return false;
  return learnerIndex * 10n >= leaderIndex * 9n;
}

function leaderIndexOf(s: State): bigint | undefined {
  const leader = s.members.find((m) =>
    m.memberId !== undefined && m.memberId === s.health.leaderId && m.reachable
  );
  if (leader !== undefined) return raftNumber(leader.raftIndex);
  let best: bigint | undefined;
  for (const m of s.members) {
    const i = m.reachable && !m.learner ? raftNumber(m.raftIndex) : undefined;
    if (i !== undefined && (best === undefined || i > best)) best = i;
  }
  return best;
}

function recordOf(s: State, name: string): MemberRecord | undefined {
  return s.members.find((m) => m.name === name && m.retiring === undefined) ??
    s.members.find((m) => m.name === name);
}

/** The answer to a `probe` effect. */
export function onProbe(ctx: Ctx, input: ProbeInput): void {
  const { s, now } = ctx;
  const startedAt = s.probeInFlightSince ?? now;
  s.probeInFlightSince = undefined;
  s.counters.probes++;
  applyMembership(s, input.membership);
  for (const r of input.results) {
    const m = recordOf(s, r.name);
    if (m === undefined) continue;
    m.reachable = r.reachable;
    if (r.reachable) {
      m.unreachableSince = undefined;
      m.lastError = undefined;
      if (r.memberId !== undefined) m.memberId = r.memberId;
      if (r.isLearner !== undefined) m.learner = r.isLearner;
      m.raftIndex = str(r.raftIndex);
      m.raftTerm = str(r.raftTerm);
      m.leaderId = r.leader;
    } else {
      m.lastError = r.error;
      if (m.taskState === "TASK_RUNNING") m.unreachableSince ??= now;
    }
  }
  noteStrays(ctx, input);
  const prev = s.health;
  const v = evaluateHealth(input, prev);
  s.health = {
    healthy: v.healthy,
    reason: v.reason,
    leaderId: v.leaderId,
    checkedAt: now,
    probeStartedAt: startedAt,
    unhealthySince: v.healthy ? undefined : (prev.unhealthySince ?? now),
    ...v.history,
  };
  if (v.termChange) log(ctx, "info", "raft term moved", { ...v.termChange });
  if (v.livelock) {
    s.counters.cluster_livelocks++;
    log(ctx, "warn", "cluster livelock", { kind: v.livelock, reason: v.reason });
  }
  if (v.healthy !== prev.healthy || (!v.healthy && v.reason !== prev.reason)) {
    log(ctx, v.healthy ? "info" : "warn", v.healthy ? "cluster is healthy" : "cluster unhealthy", {
      reason: v.reason,
      voters: v.voters,
      reachable: v.reachableVoters,
      leader: v.leaderId,
    });
  }
  if (v.healthy) s.clusterFormed = true;
  trackQuorum(ctx);
  progressAfterProbe(ctx);
}

/** Remembers the etcds that answered without a running task; logs each new one loudly. */
function noteStrays(ctx: Ctx, input: ProbeInput): void {
  const { s } = ctx;
  const before = new Set((s.strays ?? []).map((x) => x.name));
  s.strays = strayAnswers(s, input.results);
  for (const x of s.strays) {
    if (before.has(x.name)) continue;
    log(ctx, "warn", "stray etcd: it answers although its task is not running", {
      member: x.name,
      task: x.taskState,
      memberId: x.memberId,
      raftIndex: x.raftIndex,
      leader: x.leader,
    });
  }
}

function joined(ctx: Ctx, name: string): void {
  const { s } = ctx;
  s.counters.members_added++;
  const voters = liveMembers(s).filter((m) => !m.learner).length;
  log(ctx, "info", `member ${voters}/${s.options.clusterSize} joined`, { member: name });
}

function progressAfterProbe(ctx: Ctx): void {
  const { s, now } = ctx;
  const c = s.change;
  if (c?.kind === "bootstrap") {
    const m = recordOf(s, c.name);
    if (m?.reachable && m.memberId !== undefined && s.health.healthy) {
      s.change = undefined;
      joined(ctx, c.name);
    }
  } else if (c?.kind === "add" && c.step === "catching-up") {
    const m = recordOf(s, c.name);
    if (!m?.reachable || m.memberId === undefined) return;
    c.memberId ??= m.memberId;
    if (!c.learner || !m.learner) {
      s.change = undefined;
      s.lastChangeAt = now;
      s.probeWanted = true;
      joined(ctx, c.name);
      return;
    }
    if (learnerReady(raftNumber(m.raftIndex), leaderIndexOf(s))) {
      c.step = "promoting";
      c.stepAt = now;
      ctx.fx.push({
        type: "etcdPromote",
        memberId: m.memberId,
        name: m.name,
        endpoints: voterEndpoints(s),
      });
      log(ctx, "info", "promoting learner", { member: m.name, raftIndex: m.raftIndex });
    }
  }
}

/** How long etcd 3.4 refuses a membership change after the previous one (strict checks). */
const RECONFIG_SETTLE_MS = 5_000;

/** The least wait before retrying a membership call that failed with `kind`. */
export function retryDelayMs(kind: string | undefined): number {
  return kind === "unhealthy-cluster" ? RECONFIG_SETTLE_MS : 0;
}

/** Records the configured membership; new names continue after every name etcd knows. */
function applyMembership(s: State, members: readonly EtcdMemberView[] | undefined): void {
  if (members === undefined) return;
  s.etcdMembers = structuredClone([...members]);
  for (const e of members) {
    const n = memberIndex(e.name);
    if (n !== undefined && n >= s.nextIndex) s.nextIndex = n + 1;
  }
}

/** The answer to an etcd membership effect. */
export function onEtcdResult(ctx: Ctx, r: EtcdResultInput): void {
  const { s, now } = ctx;
  const c = s.change;
  const fields = { op: r.op, ok: r.ok, detail: r.detail, kind: r.errorKind };
  if (r.op === "addLearner" && c?.kind === "add" && c.step === "adding") {
    if (!r.ok || r.memberId === undefined) {
      log(ctx, "warn", "adding a member failed", { ...fields, member: c.name });
      if (c.offerId !== undefined && !c.offerLost) {
        ctx.fx.push({
          type: "decline",
          offerIds: [c.offerId],
          refuseSeconds: s.options.offerRefuseSeconds,
        });
        s.filtered = true;
      }
      // etcd never knew this member: give its name back so names stay dense.
      if (memberIndex(c.name) === s.nextIndex - 1) s.nextIndex--;
      s.change = undefined;
      // With strict reconfiguration checks etcd refuses changes until every member has
      // been connected for 5 s after the previous change; retrying sooner only fails again.
      s.retryAt = now + Math.max(s.options.healthIntervalMs, retryDelayMs(r.errorKind));
      s.probeWanted = true;
      return;
    }
    const learner = r.learner ?? true;
    const membership = r.members ??
      [...(s.etcdMembers ?? []), {
        id: r.memberId,
        name: "",
        peerUrls: [c.peerUrl],
        isLearner: learner,
      }];
    applyMembership(s, membership);
    c.memberId = r.memberId;
    c.learner = learner;
    s.lastChangeAt = now;
    if (c.offerLost || c.offerId === undefined || c.launch === undefined) {
      const reason = `offer for ${c.name} was lost before launch`;
      startRemove(ctx, r.memberId, c.name, reason);
      log(ctx, "warn", "rolling back the learner", { member: c.name, reason });
      return;
    }
    const launch = withMembership(c.launch, membership, learner);
    ctx.fx.push({ type: "launch", offerId: c.offerId, agentId: launch.agentId, member: launch });
    s.members.push({
      name: c.name,
      taskId: launch.taskId,
      agentId: launch.agentId,
      hostname: launch.hostname,
      peerPort: launch.peerPort,
      clientPort: launch.clientPort,
      taskState: "TASK_STAGING",
      launchedAt: now,
      memberId: r.memberId,
      learner,
      placementValue: s.agentValues[launch.agentId],
    });
    s.counters.launched_servers++;
    c.step = "starting";
    c.stepAt = now;
    c.offerId = undefined;
    log(ctx, "info", "launching member", {
      member: c.name,
      host: launch.hostname,
      learner,
      initialCluster: launch.config.initialCluster,
    });
  } else if (r.op === "promote" && c?.kind === "add" && c.step === "promoting" && c.abandoned) {
    applyMembership(s, r.members);
    c.step = "catching-up";
    c.stepAt = now;
    log(ctx, "info", "promote answered for an abandoned join", { ...fields, member: c.name });
    finishAbandonedJoin(ctx);
  } else if (r.op === "promote" && c?.kind === "add" && c.step === "promoting") {
    const m = recordOf(s, c.name);
    if (r.ok || r.errorKind === "not-learner") {
      if (m !== undefined) m.learner = false;
      applyMembership(s, r.members);
      for (const e of s.etcdMembers ?? []) if (e.id === c.memberId) e.isLearner = false;
      s.change = undefined;
      s.lastChangeAt = now;
      s.probeWanted = true;
      joined(ctx, c.name);
    } else {
      c.step = "catching-up";
      c.stepAt = now;
      log(ctx, r.errorKind === "learner-not-ready" ? "info" : "warn", "promote refused", fields);
    }
  } else if (r.op === "remove" && c?.kind === "remove") {
    if (r.ok || r.errorKind === "member-not-found") {
      for (const m of s.members) {
        if (m.memberId === c.memberId || configuredMemberId(s, m) === c.memberId) {
          m.retiring ??= { reason: c.reason, at: now, removed: true };
          m.retiring.removed = true;
        }
      }
      applyMembership(s, r.members);
      s.etcdMembers = s.etcdMembers?.filter((e) => e.id !== c.memberId);
      s.counters.members_removed++;
      log(ctx, "info", "removed etcd member", {
        member: c.name,
        memberId: c.memberId,
        reason: c.reason,
      });
    } else {
      // Strict reconfiguration refuses a removal that would leave fewer than a quorum of
      // members connected for 5 s; "timeout" and "no-leader" need quorum back. Either way
      // the retirement stays decided and is retried (the liveness alarm bounds the wait).
      s.retryAt = now + Math.max(s.options.healthIntervalMs, retryDelayMs(r.errorKind));
      log(ctx, "warn", "removing an etcd member failed; will retry", {
        ...fields,
        member: c.name,
        retryIn: `${Math.ceil((s.retryAt - now) / 1000)}s`,
      });
    }
    s.change = undefined;
    s.lastChangeAt = now;
    s.probeWanted = true;
  } else {
    log(ctx, "warn", "unexpected etcd result ignored", { ...fields, change: c?.kind });
  }
}
