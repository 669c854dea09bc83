/**
 * Performs the core's `probe` effect: asks every member for its status, lists the membership
 * and tries a linearizable read — all in parallel, each with a deadline — and answers with
 * the `probe` input.
 *
 * @module
 */
import type { EtcdAdmin, EtcdMember } from "../lib/etcd/admin.ts";
import type { ProbeTarget } from "./core/effects.ts";
import type { EtcdMemberView, ProbeInput, ProbeMemberResult } from "./core/inputs.ts";

/** Options of {@linkcode probeMembers}. */
export interface ProbeOptions {
  /** Deadline of each of the three kinds of call, in ms; default 5000. */
  timeoutMs?: number;
}

/** An etcd member as the core sees it. */
export function memberView(m: EtcdMember): EtcdMemberView {
  return {
    id: m.id,
    name: m.name,
    peerUrls: [...m.peerUrls],
    clientUrls: [...m.clientUrls],
    isLearner: m.isLearner,
  };
}

/** The error text of anything thrown. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** `promise`, or a rejection naming `what` after `ms`. The timer never outlives the call. */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  promise.catch(() => {}); // a late failure after the deadline is not unhandled
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

async function probeOne(
  etcd: EtcdAdmin,
  target: ProbeTarget,
  timeoutMs: number,
): Promise<ProbeMemberResult> {
  try {
    const s = await withDeadline(
      etcd.status(target.clientUrl),
      timeoutMs,
      `status of ${target.name}`,
    );
    return {
      name: target.name,
      reachable: true,
      memberId: s.memberId,
      raftIndex: s.raftIndex,
      raftTerm: s.raftTerm,
      leader: s.leader,
      isLearner: s.isLearner,
      dbSize: s.dbSize,
      dbSizeInUse: s.dbSizeInUse,
    };
  } catch (e) {
    return { name: target.name, reachable: false, error: errorText(e) };
  }
}

/**
 * Probes `targets` through `etcd`. Never rejects: failures become unreachable members, a
 * missing membership, or a failed read with its reason.
 */
export async function probeMembers(
  etcd: EtcdAdmin,
  targets: readonly ProbeTarget[],
  options: ProbeOptions = {},
): Promise<ProbeInput> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const endpoints = targets.map((t) => t.clientUrl);
  const [results, membership, read] = await Promise.all([
    Promise.all(targets.map((t) => probeOne(etcd, t, timeoutMs))),
    withDeadline(etcd.memberList({ endpoints }), timeoutMs, "member list").then(
      (ms) => ms.map(memberView),
      () => undefined,
    ),
    withDeadline(etcd.linearizableRead({ endpoints }), timeoutMs, "linearizable read").then(
      () => ({ ok: true as const }),
      (e) => ({ ok: false as const, error: errorText(e) }),
    ),
  ]);
  return {
    type: "probe",
    results,
    linearizableReadOk: read.ok,
    ...(membership ? { membership } : {}),
    ...(read.ok ? {} : { readError: read.error }),
  };
}
