/**
 * The audit trail's unit: one decision of the scheduler, with its time, kind and reason
 * (served on `GET /events`, kept in ZooKeeper). {@linkcode EVENT_KINDS} documents every kind;
 * a feature that records a new kind adds its row here (the README's table is checked
 * against it).
 *
 * @module
 */

/** Every kind of event, with what it means. */
export const EVENT_KINDS = {
  launch: "A member's task was launched to grow the cluster toward its size (bring-up).",
  relaunch: "A member's task was launched to replace a member that was lost or retired.",
  kill: "A member's task was killed; the reason says why (unreachable, failed join, reseed…).",
  remove: "An etcd member was removed from the membership.",
  add: "An etcd member was added as a learner (its task is launched next).",
  promote: "A caught-up learner was promoted to a voting member.",
  "reseed.started": "A reseed started after quorum loss (`auto` or an operator's POST /reseed).",
  "reseed.fencing": "The survivors were ranked by raft index; the others are told to stop etcd.",
  "reseed.seeding": "A survivor is restarted as a one-member cluster (again for each candidate).",
  "reseed.cleanup": "The seed is healthy; the fenced members are killed and the cluster regrows.",
  "reseed.ended": "The reseed ended: done, cancelled (quorum came back), aborted or no survivor.",
  "cluster.lost": "Every member is gone: locked until a reseed or a restore.",
  stuck: "The liveness alarm was raised: the cluster is not healthy at full size in time.",
  "stuck.cleared": "The liveness alarm cleared by itself.",
  resize: "The desired cluster size changed (POST /cluster-size).",
  "rolling-restart.started": "A rolling restart (or upgrade) started: which members, in order.",
  "rolling-restart.step": "One member of a rolling restart: restarted, healthy and caught up.",
  "rolling-restart.leader-moved": "Leadership was moved away before restarting the leader.",
  "rolling-restart.finished": "A rolling restart finished.",
  "rolling-restart.failed": "A rolling restart stopped on a member that failed.",
  backup: "A new newest verified backup is known (taken, stored and its restore drill passed).",
  "backup.failed": "A backup failed.",
  "restore.started":
    "A restore started: in place (POST /restore) or seeding a new cluster (total loss, --restore-from).",
  "restore.restoring": "Every member is fenced; each restores the backup's snapshot now.",
  "restore.done": "The cluster serves the backup.",
  "restore.failed": "A restore failed or was abandoned; members are left as they are.",
  "certificate.issued": "A TLS certificate was issued (for a member, a client or the scheduler).",
  "nospace.detected": "etcd raised the NOSPACE alarm (space quota exhausted): handling starts.",
  compact: "The KV history was compacted to the current revision (for NOSPACE).",
  defrag: "A member's backend was defragmented (for NOSPACE, or fragmentation over threshold).",
  disarm: "An etcd alarm was disarmed once compaction and defragmentation freed space.",
  "maintenance.failed": "A maintenance call (compact, defrag, disarm) failed; it is tried again.",
  "volume.relaunch": "A member was relaunched in place on its persistent volume (same member id).",
  "volume.given-up": "A member's volume was given up (timeout, agent gone, operator): replaced.",
  "volume.cleanup": "Reservations and volumes nobody expects were destroyed and unreserved.",
} as const;

/** The kind of an {@linkcode AuditEvent}: a key of {@linkcode EVENT_KINDS}. */
export type EventKind = keyof typeof EVENT_KINDS;

/** Extra facts of an event (member, host, sizes…), flat and small. */
export type EventFields = Record<string, string | number | boolean>;

/** One recorded decision. */
export interface AuditEvent {
  /** Increasing number of the event in this trail (it survives restarts through ZooKeeper). */
  seq: number;
  /** When, in ms since the epoch. */
  at: number;
  /** The same time as ISO 8601, for people. */
  time: string;
  kind: EventKind;
  /** Why: what the scheduler saw that made it decide. */
  reason: string;
  fields: EventFields;
}

/** An event before it is numbered and timed. */
export interface EventDraft {
  kind: EventKind;
  reason: string;
  fields?: EventFields;
}

/** Longest reason kept (a longer one is cut with `…`). */
export const MAX_REASON_CHARS = 400;
/** Longest field value kept. */
export const MAX_FIELD_CHARS = 200;

/** True for a documented kind. */
export function isEventKind(kind: string): kind is EventKind {
  return Object.hasOwn(EVENT_KINDS, kind);
}

function cut(s: string, max: number): string {
  return s.length <= max ? s : s.slice(0, max - 1) + "…";
}

/**
 * The event numbered `seq` at `at` from `draft`, with its reason and text fields cut to
 * size and fields that are not flat values dropped.
 *
 * @throws {TypeError} naming a kind that {@linkcode EVENT_KINDS} does not document.
 */
export function makeEvent(draft: EventDraft, seq: number, at: number): AuditEvent {
  if (!isEventKind(draft.kind)) {
    throw new TypeError(
      `Cannot record event kind ${JSON.stringify(draft.kind)}: add it to EVENT_KINDS`,
    );
  }
  const fields: EventFields = {};
  for (const [k, v] of Object.entries(draft.fields ?? {})) {
    if (typeof v === "string") fields[k] = cut(v, MAX_FIELD_CHARS);
    else if (typeof v === "number" || typeof v === "boolean") fields[k] = v;
  }
  return {
    seq,
    at,
    time: new Date(at).toISOString(),
    kind: draft.kind,
    reason: cut(String(draft.reason), MAX_REASON_CHARS),
    fields,
  };
}
