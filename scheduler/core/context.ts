/**
 * The working context of one `step`: the (cloned, mutable) state, the effects collected so
 * far and the time. Shared helpers of the input handlers live here.
 *
 * @module
 */
import { isTerminal } from "../../lib/mesos/types.ts";
import { clientUrl } from "../../contract/member_config.ts";
import type { Effect, EffectLogLevel } from "./effects.ts";
import type { MemberRecord, State } from "./state.ts";

/** One step's working set. */
export interface Ctx {
  s: State;
  fx: Effect[];
  now: number;
}

type Fields = Record<string, string | number | boolean | undefined>;

/** Appends a `log` effect. */
export function log(ctx: Ctx, level: EffectLogLevel, msg: string, fields: Fields = {}): void {
  ctx.fx.push({ type: "log", level, msg, fields });
}

/** The record of `taskId`. */
export function byTask(s: State, taskId: string): MemberRecord | undefined {
  return s.members.find((m) => m.taskId === taskId);
}

/** The record named `name` that is not terminal (else the newest with that name). */
export function byName(s: State, name: string): MemberRecord | undefined {
  const all = s.members.filter((m) => m.name === name);
  return all.find((m) => !isTerminal(m.taskState)) ?? all[all.length - 1];
}

/** The member's client URL. */
export function memberClientUrl(m: MemberRecord): string {
  return clientUrl(m.hostname, m.clientPort);
}

/**
 * Client URLs to send membership calls to: running voters that answered the last probe,
 * else any running voter, else any running member.
 */
export function voterEndpoints(s: State): string[] {
  const running = s.members.filter((m) =>
    m.taskState === "TASK_RUNNING" && m.retiring === undefined
  );
  const voters = running.filter((m) => !m.learner);
  const reachable = voters.filter((m) => m.reachable !== false);
  const pick = reachable.length > 0 ? reachable : voters.length > 0 ? voters : running;
  return pick.map(memberClientUrl);
}

/** Seconds, rounded up, for messages. */
export function secs(ms: number): string {
  return `${Math.ceil(ms / 1000)}s`;
}
