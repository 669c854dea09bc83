/**
 * Which decisions one step of the core made, as audit events (pure): the step's effects
 * (launch, kill, etcd add/promote/remove) and what changed between the state before and
 * after (a reseed's phases, total loss, the liveness alarm). The reasons come from the
 * effects, the state and the core's own log lines of that step.
 *
 * @module
 */
import { isTerminal } from "../../lib/mesos/types.ts";
import type { ObservedStep } from "../admin/history.ts";
import type { Effect } from "../core/effects.ts";
import type { ReseedRun } from "../core/reseed_run.ts";
import type { BackupRef } from "../core/restore_run.ts";
import { liveMembers, type State } from "../core/state.ts";
import type { EventDraft } from "./event.ts";
import { rollingRestartEvents } from "./rolling_restart_events.ts";
import { isRelaunchInPlace, volumeEvents } from "./volume_events.ts";

type LogEffect = Extract<Effect, { type: "log" }>;

const nameOf = (s: State, taskId: string | undefined) =>
  taskId === undefined
    ? "?"
    : s.members.find((m) => m.taskId === taskId)?.name ?? taskId.split(" ")[0] ?? taskId;

const nameOfId = (s: State, memberId: string) =>
  s.members.find((m) => m.memberId === memberId)?.name ??
    s.etcdMembers?.find((m) => m.id === memberId)?.name ?? memberId;

/** `etcd-2 (index 120)` for each task id. */
function ranked(s: State, taskIds: readonly string[]): string {
  return taskIds.map((t) => {
    const index = s.members.find((m) => m.taskId === t)?.raftIndex;
    return `${nameOf(s, t)}${index === undefined ? "" : ` (index ${index})`}`;
  }).join(", ");
}

/**
 * A launch replaces a member when the cluster had formed and had been launched to its size
 * already; otherwise it grows the cluster toward its size.
 */
function launchEvent(before: State, e: Extract<Effect, { type: "launch" }>): EventDraft {
  const m = e.member;
  const size = before.options.clusterSize;
  const fields = { member: m.name, host: m.hostname, agent: m.agentId, task: m.taskId };
  const replacing = before.clusterFormed && before.counters.launched_servers >= size;
  if (!replacing) {
    // A static bootstrap launches every member of a new cluster at once, each listing all.
    const peers = (m.config.initialCluster ?? "").split(",").map((p) => p.split("=")[0]);
    const reason = m.config.clusterState !== "new"
      ? `member ${liveMembers(before).length + 1} of ${size}, on ${m.hostname}`
      : peers.length > 1
      ? `member ${peers.indexOf(m.name) + 1} of a new ${size}-member cluster started at once, ` +
        `on ${m.hostname}`
      : `first member of a new ${size}-member cluster, on ${m.hostname}`;
    return { kind: "launch", reason, fields };
  }
  const gone = before.members.filter((r) => r.retiring !== undefined || isTerminal(r.taskState))
    .map((r) => r.name);
  const reason = gone.length > 0
    ? `replaces ${gone.join(", ")}, on ${m.hostname}`
    : `replaces a member that is gone (${liveMembers(before).length} of ${size} live), ` +
      `on ${m.hostname}`;
  return { kind: "relaunch", reason, fields };
}

function effectEvents(step: ObservedStep): EventDraft[] {
  const { before, after, effects } = step;
  const out: EventDraft[] = [];
  for (const e of effects) {
    switch (e.type) {
      case "launch":
        // A relaunch in place is a volume event (the same member comes back).
        if (!isRelaunchInPlace(e.member.taskId)) out.push(launchEvent(before, e));
        break;
      case "kill":
        out.push({
          kind: "kill",
          reason: e.reason,
          fields: { member: nameOf(before, e.taskId), task: e.taskId },
        });
        break;
      case "etcdRemove":
        out.push({
          kind: "remove",
          reason: e.reason,
          fields: { member: e.name ?? nameOfId(before, e.memberId), memberId: e.memberId },
        });
        break;
      case "etcdAddLearner": {
        const live = liveMembers(before).length;
        out.push({
          kind: "add",
          reason: `${live} of ${before.options.clusterSize} members live; adding ${e.member.name}`,
          fields: { member: e.member.name, peerUrl: e.member.peerUrl },
        });
        break;
      }
      case "persistClusterSize":
        out.push({
          kind: "resize",
          reason: `an operator set the cluster size ${before.options.clusterSize} -> ${e.size}`,
          fields: { from: before.options.clusterSize, to: e.size },
        });
        break;
      case "etcdPromote": {
        const m = after.members.find((r) => r.memberId === e.memberId);
        const index = m?.raftIndex;
        out.push({
          kind: "promote",
          reason: `learner caught up${index === undefined ? "" : ` (raft index ${index})`}`,
          fields: { member: e.name ?? nameOfId(after, e.memberId), memberId: e.memberId },
        });
        break;
      }
    }
  }
  return out;
}

/** The first log line of the step whose message starts with one of `prefixes`. */
function logLine(effects: readonly Effect[], ...prefixes: string[]): LogEffect | undefined {
  return effects.find((e): e is LogEffect =>
    e.type === "log" && prefixes.some((p) => e.msg.startsWith(p))
  );
}

function endReason(step: ObservedStep, run: ReseedRun): string {
  const { after, effects } = step;
  if (after.noSurvivor !== undefined && after.noSurvivor.since === step.at) {
    return `no survivor: ${after.noSurvivor.reason}`;
  }
  const line = logLine(effects, "reseed done", "reseed aborted", "reseed cancelled", "NO SURVIVOR");
  if (line !== undefined) {
    const why = line.fields.reason;
    return why === undefined ? line.msg : `${line.msg}: ${why}`;
  }
  return run.phase === "cleanup" ? "reseed done" : `reseed ended in phase ${run.phase}`;
}

function reseedEvents(step: ObservedStep): EventDraft[] {
  const { before, after } = step;
  const was = before.reseed;
  const now = after.reseed;
  const out: EventDraft[] = [];
  if (was !== undefined && now?.id !== was.id) {
    out.push({
      kind: "reseed.ended",
      reason: endReason(step, was),
      fields: { reseed: was.id, phase: was.phase },
    });
  }
  if (now === undefined) return out;
  const fields = { reseed: now.id, source: now.source };
  const fresh = was?.id !== now.id;
  if (fresh) {
    const who = now.source === "admin" ? "operator request" : "automatic";
    out.push({ kind: "reseed.started", reason: `${who}: ${now.reason}`, fields });
  }
  const phaseChanged = fresh ? now.phase !== "confirming" : was!.phase !== now.phase;
  const seedChanged = !fresh && was!.seed !== now.seed && now.seed !== undefined;
  if (phaseChanged || (seedChanged && now.phase === "seeding")) {
    const seed = nameOf(after, now.seed);
    if (now.phase === "fencing") {
      out.push({
        kind: "reseed.fencing",
        reason: `survivors ranked by raft index: ${ranked(after, now.candidates)}; ` +
          `fencing every other member before seeding ${seed}`,
        fields: { ...fields, seed },
      });
    } else if (now.phase === "seeding") {
      const failed = now.failed.map((t) => nameOf(after, t));
      const reason = failed.length > 0 && seedChanged
        ? `${failed.at(-1)} did not become healthy; seeding from ${seed}`
        : `seeding from ${ranked(after, now.seed === undefined ? [] : [now.seed])}`;
      out.push({ kind: "reseed.seeding", reason, fields: { ...fields, seed } });
    } else if (now.phase === "cleanup") {
      out.push({
        kind: "reseed.cleanup",
        reason: `seed ${seed} is healthy as a one-member cluster; killing the fenced members`,
        fields: { ...fields, seed },
      });
    }
  }
  return out;
}

function stateEvents(step: ObservedStep): EventDraft[] {
  const { before, after } = step;
  const out: EventDraft[] = [];
  if (!before.lost && after.lost) {
    out.push({
      kind: "cluster.lost",
      reason: "every member is gone; nothing changes until a reseed or a restore",
      fields: {},
    });
  }
  if (before.alarm === undefined && after.alarm !== undefined) {
    out.push({ kind: "stuck", reason: after.alarm.blocker, fields: {} });
  } else if (before.alarm !== undefined && after.alarm === undefined) {
    out.push({ kind: "stuck.cleared", reason: `was: ${before.alarm.blocker}`, fields: {} });
  }
  return out;
}

const backupText = (b: BackupRef) =>
  `backup ${b.id} (revision ${b.revision}${b.verified ? ", verified" : ", NOT verified"})`;

/** Restores (in place and seeded) and newly known verified backups. */
function restoreEvents(step: ObservedStep): EventDraft[] {
  const { input, before, after } = step;
  const was = before.restore;
  const now = after.restore;
  const out: EventDraft[] = [];
  if (input.type === "backups" && now?.latest !== undefined && was?.latest?.id !== now.latest.id) {
    out.push({
      kind: "backup",
      reason: `newest verified ${backupText(now.latest)}`,
      fields: { backup: now.latest.id, revision: now.latest.revision },
    });
  }
  if (now === undefined) return out;
  const run = now.run;
  if (run !== undefined && was?.run?.id !== run.id) {
    out.push({
      kind: "restore.started",
      reason: `operator request: restore ${backupText(run.backup)} in place; fencing ` +
        `${run.targets.map((t) => nameOf(after, t)).join(", ")}`,
      fields: { restore: run.id, backup: run.backup.id },
    });
  }
  if (run !== undefined && run.phase === "restoring" && was?.run?.phase !== "restoring") {
    out.push({
      kind: "restore.restoring",
      reason: `every member is fenced; each restores ${backupText(run.backup)}`,
      fields: { restore: run.id, backup: run.backup.id },
    });
  }
  const seed = now.seed;
  if (seed !== undefined && (was?.seed === undefined || was.seed.at !== seed.at)) {
    const why = seed.source === "auto"
      ? "automatic, after total loss"
      : seed.source === "restore-from"
      ? "--restore-from"
      : "operator request";
    out.push({
      kind: "restore.started",
      reason: `${why}: seed a new cluster from ${backupText(seed)}`,
      fields: { backup: seed.id, source: seed.source },
    });
  }
  if (now.done > (was?.done ?? 0) && now.last !== undefined) {
    out.push({
      kind: "restore.done",
      reason: `the cluster serves backup ${now.last.backup}`,
      fields: { backup: now.last.backup },
    });
  }
  if (now.failed !== undefined && now.failed.at !== was?.failed?.at) {
    out.push({ kind: "restore.failed", reason: now.failed.reason, fields: {} });
  }
  return out;
}

/** The decisions of one core step, in the order they were made. */
export function eventsOfStep(step: ObservedStep): EventDraft[] {
  return [
    ...reseedEvents(step),
    ...restoreEvents(step),
    ...rollingRestartEvents(step),
    ...effectEvents(step),
    ...volumeEvents(step),
    ...stateEvents(step),
  ];
}
