/**
 * The audit events of persistent volumes (pure), read from one core step's effects: a member
 * relaunched in place on its volume, a volume given up (its member is replaced), and
 * reservations nobody expects destroyed and unreserved.
 *
 * @module
 */
import type { ObservedStep } from "../admin/history.ts";
import { tryParseTaskId } from "../../contract/task_id.ts";
import type { EventDraft } from "./event.ts";

/** True when `taskId` is a relaunch in place (its id carries an incarnation). */
export function isRelaunchInPlace(taskId: string): boolean {
  return (tryParseTaskId(taskId)?.incarnation ?? 0) > 0;
}

/** The volume events of one step. */
export function volumeEvents(step: ObservedStep): EventDraft[] {
  const out: EventDraft[] = [];
  for (const e of step.effects) {
    if (e.type === "launch" && isRelaunchInPlace(e.member.taskId)) {
      const m = e.member;
      const id = step.after.members.find((r) => r.taskId === m.taskId)?.memberId;
      out.push({
        kind: "volume.relaunch",
        reason: `${m.name} relaunched in place on its volume on ${m.hostname}` +
          (id === undefined ? "" : `, keeping etcd member id ${id}`),
        fields: { member: m.name, host: m.hostname, agent: m.agentId, task: m.taskId },
      });
    } else if (e.type === "forgetVolume") {
      const line = step.effects.find((x) =>
        x.type === "log" && x.fields.member === e.member &&
        x.msg.startsWith("replacing a member instead of relaunching")
      );
      const why = line?.type === "log" ? String(line.fields.why ?? "") : "";
      out.push({
        kind: "volume.given-up",
        reason: `${e.member} will be replaced elsewhere${why === "" ? "" : `: ${why}`}`,
        fields: { member: e.member },
      });
    } else if (e.type === "cleanupVolumes") {
      out.push({
        kind: "volume.cleanup",
        reason: `destroying ${e.stray.destroy.length} volume(s) and unreserving the ` +
          `resources of ${e.stray.members.join(", ")} on agent ${e.agentId}: nobody expects them`,
        fields: { agent: e.agentId, members: e.stray.members.join(",") },
      });
    }
  }
  return out;
}
