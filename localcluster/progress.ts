/**
 * Turns successive {@linkcode ClusterSnapshot}s into progress events for the operator
 * ("member 2/3 joined", "cluster ready", "member etcd-2 lost", …). Pure: the caller polls.
 *
 * @module
 */
import type { MemberView } from "../scheduler/core/views.ts";
import { type ClusterSnapshot, isReady, joined } from "./admin_client.ts";

/** One thing worth telling the operator. */
export type ProgressEvent =
  | { kind: "launching"; member: MemberView }
  | { kind: "joined"; member: MemberView; count: number; size: number }
  | { kind: "unhealthy"; member: MemberView }
  | { kind: "gone"; member: MemberView }
  | { kind: "ready"; members: MemberView[]; first: boolean }
  | { kind: "degraded"; reason: string };

/** Remembers what was already reported; feed it every snapshot in order. */
export class ProgressTracker {
  readonly #size: number;
  #seen = new Map<string, MemberView>();
  #joined = new Set<string>();
  #ready = false;
  #everReady = false;

  /** `size` is the desired number of members. */
  constructor(size: number) {
    this.#size = size;
  }

  /** True once the cluster has been ready at least once. */
  get everReady(): boolean {
    return this.#everReady;
  }

  /** The events between the previous snapshot and `s`. */
  next(s: ClusterSnapshot): ProgressEvent[] {
    const events: ProgressEvent[] = [];
    const now = new Map(s.members.map((m) => [m.taskId, m]));
    for (const [taskId, m] of this.#seen) {
      if (!now.has(taskId)) {
        events.push({ kind: "gone", member: m });
        this.#joined.delete(taskId);
      }
    }
    for (const m of s.members) {
      if (!this.#seen.has(m.taskId)) events.push({ kind: "launching", member: m });
    }
    for (const m of s.members) {
      if (joined(m) && !this.#joined.has(m.taskId)) {
        this.#joined.add(m.taskId);
        events.push({ kind: "joined", member: m, count: this.#joined.size, size: this.#size });
      } else if (!joined(m) && this.#joined.has(m.taskId)) {
        this.#joined.delete(m.taskId);
        events.push({ kind: "unhealthy", member: m });
      }
    }
    this.#seen = now;
    const ready = isReady(s, this.#size);
    if (ready && !this.#ready) {
      events.push({ kind: "ready", members: s.members, first: !this.#everReady });
      this.#everReady = true;
    } else if (!ready && this.#ready) {
      events.push({ kind: "degraded", reason: s.healthy ? "not every member joined" : s.reason });
    }
    this.#ready = ready;
    return events;
  }
}

/** One line of text for `e`. */
export function describe(e: ProgressEvent): string {
  const where = (m: MemberView) => `${m.host}:${m.clientPort} on agent ${m.agentId}`;
  switch (e.kind) {
    case "launching":
      return `member ${e.member.name} launching (${where(e.member)})`;
    case "joined":
      return `member ${e.count}/${e.size} joined: ${e.member.name} (${where(e.member)})`;
    case "unhealthy":
      return `member ${e.member.name} is not healthy (task ${e.member.taskState})`;
    case "gone":
      return `member ${e.member.name} is gone (${where(e.member)}); the scheduler replaces it`;
    case "ready":
      return e.first
        ? `etcd cluster ready: ${e.members.length} members`
        : `etcd cluster healthy again: ${e.members.length} members`;
    case "degraded":
      return `etcd cluster degraded: ${e.reason}`;
  }
}
