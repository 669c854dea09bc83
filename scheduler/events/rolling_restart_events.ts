/**
 * The audit events of a rolling restart (pure), read from what one core step changed in
 * `State.rollingRestart`: started, each member done, leadership moved, finished, failed.
 *
 * @module
 */
import type { ObservedStep } from "../admin/history.ts";
import type { EventDraft } from "./event.ts";

/** The rolling-restart events of one step. */
export function rollingRestartEvents(step: ObservedStep): EventDraft[] {
  const before = step.before.rollingRestart;
  const after = step.after.rollingRestart;
  const out: EventDraft[] = [];
  const run = after?.run;
  const was = before?.run;
  if (run !== undefined && was?.id !== run.id) {
    const spec = run.spec;
    out.push({
      kind: "rolling-restart.started",
      reason: `restarting ${run.targets.join(", ")} one at a time, the leader last` +
        (spec.uri !== undefined ? `, with etcd from ${spec.uri}` : "") +
        (spec.flags?.length ? `, flags ${spec.flags.join(" ")}` : ""),
      fields: {
        run: run.id,
        members: run.targets.join(","),
        ...(spec.uri !== undefined ? { etcdUri: spec.uri } : {}),
        ...(spec.flags?.length ? { flags: spec.flags.join(" ") } : {}),
      },
    });
  }
  const finishing = run ?? (after?.last?.runId === was?.id ? was : undefined);
  const doneBefore = was !== undefined && was.id === finishing?.id ? was.done.length : 0;
  const doneNow = run?.done ?? (after?.last?.runId === was?.id ? after?.last?.members : []) ?? [];
  for (const name of doneNow.slice(doneBefore)) {
    out.push({
      kind: "rolling-restart.step",
      reason: `${name} restarted in place, healthy and caught up with the leader`,
      fields: {
        run: finishing?.id ?? "?",
        member: name,
        done: `${doneNow.indexOf(name) + 1}/${finishing?.targets.length ?? "?"}`,
      },
    });
  }
  if (run?.leaderMovedFrom !== undefined && was?.leaderMovedFrom === undefined) {
    const to = was?.current?.leaderTarget?.name ?? run.current?.leaderTarget?.name ?? "?";
    out.push({
      kind: "rolling-restart.leader-moved",
      reason: `leadership moved from ${run.leaderMovedFrom} to ${to} before restarting it`,
      fields: { run: run.id, from: run.leaderMovedFrom, to },
    });
  }
  if (after?.last !== undefined && after.last.at !== before?.last?.at) {
    out.push({
      kind: "rolling-restart.finished",
      reason: `${after.last.members.length} member(s) restarted: ${after.last.members.join(", ")}`,
      fields: { run: after.last.runId, members: after.last.members.join(",") },
    });
  }
  const f = after?.failed;
  if (f !== undefined && f.at !== before?.failed?.at) {
    out.push({
      kind: "rolling-restart.failed",
      reason: `stopped on ${f.member}: ${f.reason}`,
      fields: { run: f.runId, member: f.member },
    });
  }
  return out;
}
