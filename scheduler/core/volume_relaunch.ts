/**
 * Members on persistent volumes (pure core steps): a first launch gets a volume (its record
 * persisted before the ACCEPT); a member whose task ends is not removed but waits for its
 * agent to offer its reservation back and is relaunched in place — same name, same etcd
 * member id, a new task id — within `--member-relaunch-timeout`; past it, when its agent is
 * gone, or on an operator's request it is replaced (the ordinary remove → add), and its
 * reservation, no longer expected, is destroyed and unreserved when offered.
 *
 * @module
 */
import { isTerminal, type Offer, type TaskStatus } from "../../lib/mesos/types.ts";
import { peerUrl } from "../../contract/member_config.ts";
import { formatTaskId } from "../../contract/task_id.ts";
import { byTask, type Ctx, log, secs } from "./context.ts";
import { raftNumber } from "./health.ts";
import { buildMemberLaunch } from "./launch_spec.ts";
import type { Plan } from "./membership.ts";
import { clusterTokenOf } from "./offers.ts";
import { killTask } from "./retire.ts";
import { restoreBlocks } from "./restore.ts";
import { configuredMemberId, liveMembers, phaseOf, type State } from "./state.ts";
import {
  relaunchAllocation,
  strayReservations,
  VOLUME_CONTAINER_PATH,
  type VolumeRecord,
  withVolume,
} from "./volumes.ts";

/**
 * The last raft index `r`'s member reported: the newest of its record's and of its ended
 * tasks' (a lower bound of what its volume holds); undefined when never reported.
 */
export function lastKnownIndex(s: State, r: VolumeRecord): bigint | undefined {
  const seen = [
    r.raftIndex,
    ...s.members.filter((m) => m.name === r.member).map((m) => m.raftIndex),
  ]
    .map(raftNumber)
    .filter((i) => i !== undefined);
  return seen.length === 0 ? undefined : seen.reduce((a, b) => (a > b ? a : b));
}

/** The records of members with no live task (waiting to be relaunched in place). */
export function awaitingRelaunch(s: State): VolumeRecord[] {
  if (s.options.volumes === undefined) return [];
  const live = new Set(liveMembers(s).map((m) => m.name));
  const joining = s.change?.kind === "add" ? s.change.name : undefined;
  return (s.volumes ?? []).filter((r) => !live.has(r.member) && r.member !== joining);
}

/** The peer URLs of members waiting to be relaunched (their etcd members are not orphans). */
export function awaitingPeerUrls(s: State): string[] {
  return awaitingRelaunch(s).map((r) => peerUrl(r.hostname, r.peerPort));
}

/** True when offers are wanted to relaunch a member in place. */
export function relaunchWanted(s: State): boolean {
  return phaseOf(s) === "mutable" && awaitingRelaunch(s).some((r) => r.relaunchBy !== undefined);
}

/** The earliest relaunch deadline (the member is replaced then). */
export function volumeDeadline(s: State): number | undefined {
  const at = awaitingRelaunch(s).flatMap((r) => r.relaunchBy ?? []);
  return at.length > 0 ? Math.min(...at) : undefined;
}

/**
 * The plan while members wait to be relaunched and the cluster would be full with them:
 * wait for their offers (nothing is added in their place).
 */
export function relaunchWait(s: State, liveCount: number): Plan | undefined {
  const waiting = awaitingRelaunch(s);
  if (waiting.length === 0 || liveCount + waiting.length < s.options.clusterSize) return undefined;
  const names = waiting.map((r) => `${r.member} (agent ${r.agentId})`).join(", ");
  return {
    kind: "wait",
    reason: `waiting to relaunch ${names} in place on its volume`,
    until: volumeDeadline(s),
  };
}

/** `volumesKnown`: the records kept in ZooKeeper. */
export function onVolumesKnown(ctx: Ctx, records: readonly VolumeRecord[]): void {
  ctx.s.volumes = structuredClone([...records]);
  log(ctx, "info", "persistent volume records loaded", {
    records: records.length,
    members: records.map((r) => r.member).join(",") || undefined,
  });
}

function save(ctx: Ctx, r: VolumeRecord): void {
  ctx.fx.push({ type: "persistVolume", record: structuredClone(r) });
}

/** How long the agent a member was replaced off is passed over for the replacement. */
export const REPLACED_FROM_MS = 30_000;

/**
 * Why `agentId` may not take a new member now: a member was just replaced off it (so the
 * replacement goes to another agent when one offers within {@linkcode REPLACED_FROM_MS}).
 */
export function replacedFromAgent(s: State, agentId: string, now: number): string | undefined {
  const until = s.replacedFrom?.[agentId];
  return until !== undefined && now < until
    ? `a member was just replaced off agent ${agentId}`
    : undefined;
}

/** Forgets `r`: its member is replaced elsewhere and its reservation cleaned up when offered. */
function drop(ctx: Ctx, r: VolumeRecord, why: string): void {
  const { s } = ctx;
  s.volumes = (s.volumes ?? []).filter((x) => x !== r);
  const fresh = Object.entries(s.replacedFrom ?? {}).filter(([, until]) => until > ctx.now);
  s.replacedFrom = Object.fromEntries([...fresh, [r.agentId, ctx.now + REPLACED_FROM_MS]]);
  ctx.fx.push({ type: "forgetVolume", member: r.member });
  // Given up while quorum is lost: a reseed must say what only this volume may have held.
  if (s.quorumLostSince !== undefined) {
    const index = lastKnownIndex(s, r)?.toString();
    s.volumesGivenUp = [...(s.volumesGivenUp ?? []), { member: r.member, raftIndex: index, why }];
  }
  log(ctx, "warn", "replacing a member instead of relaunching it on its volume", {
    member: r.member,
    agent: r.agentId,
    volume: r.persistenceId,
    why,
  });
  // The last way back is gone: with no member left this is a total loss after all.
  if (
    s.clusterFormed && liveMembers(s).length === 0 && awaitingRelaunch(s).length === 0 && !s.lost
  ) {
    s.lost = true;
    log(ctx, "error", "TOTAL CLUSTER LOSS: every member is gone; locked until a reseed", {
      lastMember: r.member,
    });
  }
}

/**
 * After every input: start each waiting member's relaunch clock (persisted), stop it once
 * the member runs again, and give up a volume (replace the member) past the deadline, when
 * its agent is gone, when it is no longer an etcd member, or when it is being retired.
 */
export function trackVolumes(ctx: Ctx): void {
  const { s, now } = ctx;
  const o = s.options.volumes;
  if (o === undefined || s.volumes === undefined) return;
  const mutable = phaseOf(s) === "mutable";
  for (const r of [...s.volumes]) {
    const records = s.members.filter((m) => m.name === r.member);
    if (records.some((m) => m.retiring !== undefined && !isTerminal(m.taskState))) {
      drop(ctx, r, "it is being retired");
      continue;
    }
    const live = records.find((m) => !isTerminal(m.taskState));
    if (live !== undefined) {
      if (live.taskState === "TASK_RUNNING" && r.relaunchBy !== undefined) {
        r.relaunchBy = undefined;
        r.raftIndex = undefined; // probes report it again
        save(ctx, r);
      }
      continue;
    }
    if (!awaitingRelaunch(s).includes(r) || !mutable) continue;
    const url = peerUrl(r.hostname, r.peerPort);
    if (r.givenUp !== undefined) {
      drop(ctx, r, r.givenUp);
    } else if (
      s.clusterFormed && s.etcdMembers !== undefined &&
      !s.etcdMembers.some((e) => e.peerUrls.includes(url))
    ) {
      drop(ctx, r, "it is no longer an etcd member");
    } else if (r.relaunchBy === undefined) {
      r.relaunchBy = now + o.relaunchTimeoutMs;
      // Kept with the deadline: a reseed (even after a scheduler restart) ranks it by this.
      r.raftIndex = lastKnownIndex(s, r)?.toString();
      save(ctx, r);
      log(ctx, "warn", "member task ended; waiting to relaunch it in place on its volume", {
        member: r.member,
        agent: r.agentId,
        replacedIn: secs(o.relaunchTimeoutMs),
      });
    } else if (now >= r.relaunchBy) {
      drop(ctx, r, `not relaunched within --member-relaunch-timeout ${secs(o.relaunchTimeoutMs)}`);
    }
  }
}

/**
 * A status update that leaves nothing to come back to: the task is gone with its agent, or
 * its first launch was refused or dropped before it ran (the RESERVE and CREATE of that
 * ACCEPT may not have happened).
 */
export function noteVolumeStatus(ctx: Ctx, status: TaskStatus): void {
  const { s } = ctx;
  const m = byTask(s, status.task_id.value);
  const r = (s.volumes ?? []).find((x) => x.member === m?.name);
  if (m === undefined || r === undefined || m.taskState !== status.state) return;
  const refused = status.state === "TASK_ERROR" || status.state === "TASK_DROPPED";
  if (status.state.startsWith("TASK_GONE")) giveUp(ctx, r, `its task is ${status.state}`);
  else if (refused && r.incarnation === 0 && m.runningSince === undefined) {
    giveUp(ctx, r, `its first launch was ${status.state} (${status.message ?? "no message"})`);
  }
}

/** Marks `r` for replacement, persisted: a restarted scheduler replaces it at once too. */
function giveUp(ctx: Ctx, r: VolumeRecord, why: string): void {
  r.givenUp = why;
  save(ctx, r);
}

/** FAILURE of a whole agent (removed by the master): its volumes are gone with it. */
export function noteAgentRemoved(ctx: Ctx, agentId: string): void {
  for (const r of ctx.s.volumes ?? []) {
    if (r.agentId === agentId && r.givenUp === undefined) {
      giveUp(ctx, r, "its agent was removed");
      log(ctx, "warn", "the agent of a member's volume was removed", {
        member: r.member,
        agent: agentId,
      });
    }
  }
}

/**
 * Gives every first launch of this step a volume: its RESERVE and CREATE, and its record,
 * persisted before the ACCEPT. (Relaunches, whose record is on their agent already, keep
 * theirs.)
 */
export function addVolumesToLaunches(ctx: Ctx): void {
  const { s, now } = ctx;
  const o = s.options.volumes;
  if (o === undefined || s.frameworkId === undefined) return;
  for (let i = 0; i < ctx.fx.length; i++) {
    const e = ctx.fx[i]!;
    if (e.type !== "launch" || e.member.volume !== undefined) continue;
    const known = (s.volumes ?? []).find((r) => r.member === e.member.name);
    if (known !== undefined && known.agentId === e.agentId) continue;
    const made = withVolume(e.member, o, { frameworkId: s.frameworkId, unique: now + i });
    if (made === undefined) continue;
    ctx.fx[i] = { ...e, member: made.launch };
    s.volumes = [...(s.volumes ?? []).filter((r) => r.member !== e.member.name), made.record];
    ctx.fx.splice(i, 0, { type: "persistVolume", record: structuredClone(made.record) });
    i++;
    log(ctx, "info", "reserving resources and creating a persistent volume", {
      member: e.member.name,
      agent: e.agentId,
      volume: made.record.persistenceId,
    });
  }
}

/** Relaunches `r`'s member in place from `offer` when it holds its reservation and volume. */
function relaunchOn(ctx: Ctx, offer: Offer, r: VolumeRecord): boolean {
  const { s, now } = ctx;
  const o = s.options;
  const fit = relaunchAllocation(offer, s.frameworkId!, r, {
    cpus: o.cpus,
    memMb: o.memMb,
    diskMb: 0,
    executorCpus: o.executorCpus,
    executorMemMb: o.executorMemMb,
  });
  if (!fit.ok) {
    log(ctx, "debug", "offer cannot relaunch the member", { member: r.member, why: fit.reason });
    return false;
  }
  const url = peerUrl(r.hostname, r.peerPort);
  const view = s.etcdMembers?.find((e) => e.peerUrls.includes(url));
  const old = s.members.filter((m) => m.name === r.member);
  const learner = view?.isLearner ?? false;
  const launch = buildMemberLaunch(offer, {
    name: r.member,
    allocation: fit.allocation,
    clusterState: s.clusterFormed ? "existing" : "new",
    clusterToken: clusterTokenOf(s),
    learner,
    membership: s.etcdMembers,
  });
  launch.config = { ...launch.config, volume: VOLUME_CONTAINER_PATH };
  r.incarnation++;
  r.relaunchedAt = now;
  launch.taskId = formatTaskId({
    name: r.member,
    host: launch.hostname,
    peerPort: launch.peerPort,
    clientPort: launch.clientPort,
    incarnation: r.incarnation,
  });
  save(ctx, r);
  ctx.fx.push({ type: "launch", offerId: offer.id.value, agentId: r.agentId, member: launch });
  const ended = old.filter((m) => m.taskState !== "TASK_LOST").map((m) => m.taskId);
  s.endedTaskIds = [...(s.endedTaskIds ?? []), ...ended].slice(-64);
  s.members = s.members.filter((m) => m.name !== r.member);
  s.members.push({
    name: r.member,
    taskId: launch.taskId,
    agentId: r.agentId,
    hostname: launch.hostname,
    peerPort: launch.peerPort,
    clientPort: launch.clientPort,
    taskState: "TASK_STAGING",
    launchedAt: now,
    memberId: old.find((m) => m.memberId !== undefined)?.memberId ?? view?.id,
    learner,
    placementValue: s.agentValues[r.agentId],
  });
  s.counters.launched_servers++;
  s.counters.members_relaunched++;
  log(ctx, "info", "relaunching a member in place on its volume", {
    member: r.member,
    task: launch.taskId,
    agent: r.agentId,
    volume: r.persistenceId,
  });
  return true;
}

/**
 * How long an offer of an agent where a member waits to be relaunched is declined when it
 * cannot be used yet (relaunch spacing, an orphaned etcd, a restore): briefly, never the
 * idle hour, or a relaunch that failed could only be retried at the deadline.
 */
export function relaunchRetrySeconds(s: State): number {
  const spacing = Math.ceil((2 * s.options.healthIntervalMs) / 1000);
  return Math.max(1, Math.min(s.options.offerRefuseSeconds, spacing));
}

/**
 * Uses offers for relaunches in place, ACCEPTs offers holding labelled reservations that
 * nobody expects with their DESTROY and UNRESERVE, and declines the other offers of agents
 * where a member waits for briefly ({@linkcode relaunchRetrySeconds}). Returns the ids of the
 * offers answered.
 */
export function relaunchFromOffers(ctx: Ctx, offers: readonly Offer[]): Set<string> {
  const { s } = ctx;
  const used = new Set<string>();
  const fw = s.frameworkId;
  if (s.options.volumes === undefined || s.volumes === undefined || fw === undefined) return used;
  if (phaseOf(s) === "mutable" && restoreBlocks(s) === undefined) {
    relaunchOrCleanUp(ctx, offers, fw, used);
  }
  const waitingOn = new Set(awaitingRelaunch(s).map((r) => r.agentId));
  const held = offers.filter((x) => !used.has(x.id.value) && waitingOn.has(x.agent_id.value));
  if (held.length > 0) {
    const offerIds = held.map((x) => x.id.value);
    ctx.fx.push({ type: "decline", offerIds, refuseSeconds: relaunchRetrySeconds(s) });
    for (const id of offerIds) used.add(id);
    s.counters.offers_declined += offerIds.length;
    log(ctx, "debug", "declining offers briefly: a member waits to be relaunched there", {
      offers: offerIds.length,
    });
  }
  return used;
}

function relaunchOrCleanUp(ctx: Ctx, offers: readonly Offer[], fw: string, used: Set<string>) {
  const { s } = ctx;
  for (const r of awaitingRelaunch(s)) {
    if (r.relaunchBy === undefined) continue;
    // Its old etcd still answers (orphaned by a dead executor): it holds the data dir and the
    // ports, so a relaunch could not start; wait (the deadline still runs).
    if ((s.strays ?? []).some((x) => x.name === r.member)) continue;
    if (r.relaunchedAt !== undefined && ctx.now - r.relaunchedAt < 2 * s.options.healthIntervalMs) {
      continue;
    }
    const offer = offers.find((x) => x.agent_id.value === r.agentId && !used.has(x.id.value));
    if (offer !== undefined && relaunchOn(ctx, offer, r)) used.add(offer.id.value);
  }
  // Never destroy what a live task or an etcd member may still stand on (a lost record, an
  // etcd member not yet removed): its clean-up waits for a later offer. Before any member
  // has told the membership (e.g. every task gone after a restart) nothing is cleaned up.
  if (s.etcdMembers === undefined) return;
  const keep = new Set([
    ...liveMembers(s).map((m) => m.name),
    ...(s.etcdMembers ?? []).map((e) => e.name).filter((n) => n !== ""),
  ]);
  for (const offer of offers) {
    if (used.has(offer.id.value)) continue;
    const stray = strayReservations(offer, fw, s.volumes ?? [], keep);
    if (stray === undefined) continue;
    used.add(offer.id.value);
    ctx.fx.push({
      type: "cleanupVolumes",
      offerId: offer.id.value,
      agentId: offer.agent_id.value,
      stray,
    });
    log(ctx, "warn", "destroying and unreserving resources nobody expects", {
      agent: offer.agent_id.value,
      members: stray.members.join(","),
      volumes: stray.destroy.length,
    });
  }
}

/** `replaceMember`: an operator replaces a member elsewhere, giving up its volume. */
export function onReplaceMember(ctx: Ctx, name: string, requestId?: number): void {
  const { s, now } = ctx;
  const reply = (accepted: boolean, message: string): void =>
    void ctx.fx.push({ type: "adminReply", requestId, accepted, message });
  const phase = phaseOf(s);
  if (phase !== "mutable") return reply(false, `not now: the scheduler is ${phase}`);
  const record = (s.volumes ?? []).find((r) => r.member === name);
  const live = liveMembers(s).find((m) => m.name === name);
  if (record === undefined && live === undefined) {
    const retiring = s.members.some((m) => m.name === name && m.retiring !== undefined);
    return reply(false, retiring ? `${name} is being replaced already` : `no member ${name}`);
  }
  const reason = "replaced by an operator";
  if (record !== undefined) drop(ctx, record, reason);
  if (live !== undefined) {
    s.lastDestructiveAt = now;
    live.retiring = { reason, at: now, removed: configuredMemberId(s, live) === undefined };
    killTask(ctx, live, reason);
  }
  reply(true, `${name} will be removed and a new member added on another agent`);
}
