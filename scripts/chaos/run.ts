/**
 * One chaos run: bring the cluster up, write continuously, inject faults one at a time (each
 * followed by recovery to a healthy full cluster and a pause) until the duration is spent,
 * then check writes, hashes, the sampled invariants and the framework id.
 *
 * @module
 */
import { createEtcdAdminClient } from "../../lib/etcd/admin_client.ts";
import type { Logger } from "../../lib/log.ts";
import { ZkClient } from "../../lib/zk/client.ts";
import type { ReseedRecord } from "../../scheduler/admin/history.ts";
import type { MemberView } from "../../scheduler/core/views.ts";
import { until } from "../../lib/until.ts";
import { endpointsOf } from "../../tests/testing/etcd.ts";
import { type ChaosEnvironment, startChaosEnvironment } from "./environment.ts";
import { type FaultName, injectFault } from "./faults.ts";
import { type MonitorReport, startMonitor } from "./monitor.ts";
import type { Rng } from "./rng.ts";
import {
  livenessBoundOf,
  longestGap,
  longestUnhealthy,
  type Stall,
  stallSeconds,
  startHealthSampler,
} from "./stall.ts";
import { judgeHashes, judgeWrites, type ReseedWindow, type WriteVerdict } from "./verdict.ts";
import { presentKeys, startWriter } from "./writer.ts";

/** Options of {@linkcode runChaos}. */
export interface ChaosOptions {
  durationMs: number;
  members: number;
  faults: FaultName[];
  rng: Rng;
  logger: Logger;
  keep?: boolean;
  /** Members on persistent volumes: dead ones are relaunched in place. */
  volumes?: boolean;
  /** Pause after each recovery (default 2000 ms). */
  settleMs?: number;
  /** Bound on each recovery (default 180 s). */
  recoveryTimeoutMs?: number;
  /** Aborting it stops injecting faults: the run goes on to its checks and cleanup. */
  signal?: AbortSignal;
}

/** Relaunches in place since `since` (ms): the audit trail's `volume.relaunch` events. */
async function relaunchesSince(env: ChaosEnvironment, since: number): Promise<number> {
  const r = await fetch(`${env.admin.url}/events?kind=volume.relaunch`);
  if (!r.ok) {
    await r.body?.cancel();
    return 0;
  }
  const events = await r.json() as { at: number }[];
  return events.filter((e) => e.at >= since).length;
}

/** One injected fault and its recovery. */
export interface FaultRecord {
  fault: FaultName;
  note: string;
  atSeconds: number;
  recoverySeconds: number;
}

/** A stall and the faults under way during it. */
export interface StallFigure {
  seconds: number;
  /** Seconds since the run started. */
  fromSeconds: number;
  toSeconds: number;
  /** The faults injected or recovering during the stall. */
  during: string[];
}

/** The longest stalls, and the liveness bound they are held to. */
export interface StallReport {
  /** Longest period without an acknowledged write (from the first write to the last check). */
  writes: StallFigure;
  /** Longest period `/healthz` did not answer 200; undefined when it always did. */
  unhealthy?: StallFigure;
  /** `livenessBoundMs` of the core for the run's scheduler flags, in seconds. */
  boundSeconds: number;
}

/** Everything a run found. */
export interface ChaosResult {
  faults: FaultRecord[];
  writes: WriteVerdict;
  writeFailures: number;
  monitor: MonitorReport;
  frameworkId: string;
  /** Named failures; empty when the run passed. */
  failures: string[];
  reseeds: ReseedWindow[];
  /** Undefined when the run ended before writing. */
  stalls?: StallReport;
  finalRevision: string;
  wallSeconds: number;
  leftProcesses: number[];
}

const FRAMEWORK_NODE = "/etcd-mesos/etcd_framework_id";

async function readFrameworkId(zkUrl: string): Promise<string> {
  const zk = await ZkClient.connect(zkUrl);
  try {
    return new TextDecoder().decode((await zk.getData(FRAMEWORK_NODE)).data);
  } finally {
    await zk.close();
  }
}

/** The reseeds the running scheduler has ranked survivors for (its `/history`). */
async function rankedReseeds(env: ChaosEnvironment): Promise<ReseedRecord[]> {
  const { reseeds } = await env.admin.history().catch(() => ({ reseeds: [] }));
  return reseeds.filter((r) => r.ranking.length > 0);
}

/** One reseed as the evidence of a window: `reseed-1 (auto): ranking etcd-2@14; done`. */
function evidenceOf(r: ReseedRecord): string {
  const ranking = r.ranking.map((x) => `${x.member}@${x.raftIndex}`).join(",");
  return `${r.id} (${r.source}): ranking ${ranking}; ${r.outcome ?? r.phase}`;
}

const live = (ms: MemberView[]) =>
  ms.filter((m) => ["TASK_STAGING", "TASK_STARTING", "TASK_RUNNING"].includes(m.taskState));

/** Runs the chaos scenario; never throws for a failed check (see `failures`). */
export async function runChaos(o: ChaosOptions): Promise<ChaosResult> {
  const log = o.logger;
  const t0 = Date.now();
  const at = () => (Date.now() - t0) / 1000;
  const failures: string[] = [];
  const records: FaultRecord[] = [];
  const reseeds: ReseedWindow[] = [];
  const frozen: number[] = [];
  const recoveryMs = o.recoveryTimeoutMs ?? 180_000;
  const env = await startChaosEnvironment({
    members: o.members,
    logger: log,
    keep: o.keep,
    // An agent is frozen with SIGSTOP only when it runs as a process of its own.
    agentProcesses: o.faults.includes("sigstop-agent"),
    volumes: o.volumes ?? false,
  });
  let result: Omit<ChaosResult, "leftProcesses" | "wallSeconds"> | undefined;
  try {
    const recover = async () => {
      await env.admin.waitHealthy(o.members, recoveryMs);
      await until(async () => {
        const s = await env.admin.stats();
        return s.leader === 1 && s.mutable === 1 && s.reseeding === 0 && s.stray_members === 0;
      }, {
        timeoutMs: recoveryMs,
        what: "the scheduler leading and mutable, no reseed running, no stray",
      });
      return await env.admin.waitHealthy(o.members, recoveryMs);
    };
    let members = await env.admin.waitHealthy(o.members, recoveryMs);
    const frameworkId = await readFrameworkId(env.zk.url);
    log.info("cluster up", { members: members.map((m) => m.name).join(","), frameworkId });
    const writingFrom = Date.now();
    const health = startHealthSampler(() => env.admin.healthy());
    const writer = startWriter({
      endpoints: async () => endpointsOf(live(await env.admin.members())),
      logger: log,
    });
    const monitor = startMonitor({
      members: () => env.admin.members(),
      masterUrl: () => env.leader()?.url,
      maxMembers: o.members + 1,
      frameworkId,
    });
    const injectUntil = Date.now() + o.durationMs;
    let order: FaultName[] = [];
    try {
      while (Date.now() < injectUntil && !o.signal?.aborted) {
        if (order.length === 0) order = o.rng.shuffle(o.faults);
        const fault = order.shift()!;
        const ranked = (await rankedReseeds(env)).length;
        const injectedAt = Date.now();
        const out = await injectFault(fault, env, members, o.rng);
        frozen.push(...out.frozen ?? []);
        log.info("fault injected", { fault, note: out.note, at: at().toFixed(1) });
        try {
          members = await recover();
        } catch (e) {
          const h = await env.admin.healthz().catch(() => undefined);
          const st = await env.admin.stats().catch(() => undefined);
          failures.push(
            `no recovery after ${fault} (${out.note}): ${(e as Error).message}; /healthz ` +
              `${h?.status} ${h?.body}; /stats ${JSON.stringify(st)}`,
          );
          records.push({
            fault,
            note: out.note,
            atSeconds: (injectedAt - t0) / 1000,
            recoverySeconds: NaN,
          });
          break;
        }
        const recoverySeconds = (Date.now() - injectedAt) / 1000;
        let note = out.note;
        if (out.afterRecovery) {
          const after = await out.afterRecovery().catch((e) => ({
            note: `check after recovery failed: ${(e as Error).message}`,
            failure: `${fault}: check after recovery failed: ${(e as Error).message}`,
          }));
          note += `; ${after.note}`;
          if (after.failure) failures.push(after.failure);
        }
        records.push({
          fault,
          note,
          atSeconds: (injectedAt - t0) / 1000,
          recoverySeconds,
        });
        log.info("recovered", { fault, seconds: recoverySeconds.toFixed(1) });
        if (fault === "drop-majority") {
          const done = (await rankedReseeds(env)).slice(ranked);
          const last = done.at(-1);
          // On volumes the dropped members may come back in place, quorum and data with them.
          const relaunched = o.volumes ? await relaunchesSince(env, injectedAt) : 0;
          reseeds.push({
            injectedAt,
            healedAt: Date.now(),
            evidence: last
              ? evidenceOf(last)
              : relaunched > 0
              ? `no reseed: ${relaunched} relaunch(es) in place from the members' volumes`
              : "no ranked reseed in the scheduler's /history",
          });
          if (last === undefined && relaunched <= 0) {
            failures.push(
              o.volumes
                ? "drop-majority healed without a reseed or a relaunch in place"
                : "drop-majority healed without a reseed in /history",
            );
          }
        }
        await new Promise((r) => setTimeout(r, o.settleMs ?? 2000));
      }
    } finally {
      await writer.stop();
    }
    const writingTo = Date.now();
    const samples = await health.stop();
    const monitorReport = await monitor.stop();
    const figure = (stall: Stall): StallFigure => ({
      seconds: stallSeconds(stall),
      fromSeconds: (stall.from - t0) / 1000,
      toSeconds: (stall.to - t0) / 1000,
      during: records.filter((r) => {
        const start = t0 + r.atSeconds * 1000;
        const end = start + (Number.isNaN(r.recoverySeconds) ? Infinity : r.recoverySeconds * 1000);
        return start <= stall.to && end >= stall.from;
      }).map((r) => r.fault),
    });
    const unhealthy = longestUnhealthy(samples, writingTo);
    const stalls: StallReport = {
      writes: figure(longestGap(writer.acked.map((w) => w.at), writingFrom, writingTo)),
      unhealthy: unhealthy && figure(unhealthy),
      boundSeconds: livenessBoundOf(env.schedulerArgs) / 1000,
    };
    if (stalls.writes.seconds > stalls.boundSeconds) {
      failures.push(
        `no acknowledged write for ${stalls.writes.seconds.toFixed(1)} s, beyond the liveness ` +
          `bound of ${stalls.boundSeconds} s`,
      );
    }
    if (stalls.unhealthy && stalls.unhealthy.seconds > stalls.boundSeconds) {
      failures.push(
        `not healthy for ${stalls.unhealthy.seconds.toFixed(1)} s, beyond the liveness bound ` +
          `of ${stalls.boundSeconds} s`,
      );
    }

    // Final checks.
    members = await env.admin.waitHealthy(o.members, recoveryMs).catch((e) => {
      failures.push(`not healthy at full size at the end: ${(e as Error).message}`);
      return members;
    });
    const endpoints = endpointsOf(members);
    const present = await presentKeys(endpoints);
    const writes = judgeWrites(writer.acked, present, reseeds);
    if (writes.unexplained.length > 0) {
      failures.push(
        `${writes.unexplained.length} acknowledged writes missing: ${
          writes.unexplained.slice(0, 10).map((w) => `${w.key}@${w.revision}`).join(", ")
        }`,
      );
    }
    if (writer.acked.length === 0) failures.push("no write was acknowledged");
    const admin = createEtcdAdminClient({ endpoints, timeoutMs: 3000 });
    let finalRevision = "?";
    try {
      const verdict = await until(async () => {
        const hashes = await Promise.all(endpoints.map((e) => admin.hashKV(e)));
        finalRevision = hashes[0]?.revision ?? "?";
        const v = judgeHashes(hashes, o.members);
        return v === undefined ? "ok" : undefined;
      }, { timeoutMs: 30_000, what: "members agreeing on revision and hash" }).catch((e) =>
        `${(e as Error).message}: ${(e as Error).cause ?? "hashes differ"}`
      );
      if (verdict !== "ok") failures.push(`HashKV: ${verdict}`);
    } finally {
      admin.close();
    }
    failures.push(...monitorReport.violations);
    const storedId = await readFrameworkId(env.zk.url).catch((e) => `unreadable: ${e}`);
    if (storedId !== frameworkId) {
      failures.push(`framework id in ZooKeeper changed: ${frameworkId} -> ${storedId}`);
    }
    result = {
      faults: records,
      writes,
      writeFailures: writer.failures,
      monitor: monitorReport,
      frameworkId,
      failures,
      reseeds,
      stalls,
      finalRevision,
    };
  } catch (e) {
    failures.push(`run aborted: ${(e as Error).stack ?? e}`);
    log.error("scheduler log tail", {
      tail: (await env.schedulerLogText()).slice(-6000),
    });
  } finally {
    for (const pid of frozen) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch {
        // gone
      }
    }
  }
  const stopped = await env.stop();
  if (stopped.schedulerExit !== 0) {
    failures.push(`scheduler exited ${stopped.schedulerExit} on SIGTERM`);
  }
  if (stopped.left.length > 0) failures.push(`processes left: ${stopped.left.join(",")}`);
  const empty = { acked: 0, present: 0, lostToReseed: [], unexplained: [] };
  return {
    ...(result ?? {
      faults: records,
      writes: empty,
      writeFailures: 0,
      monitor: { samples: 0, maxEtcdMembers: 0, maxLiveTasks: 0, violations: [] },
      frameworkId: "?",
      failures,
      reseeds,
      finalRevision: "?",
    }),
    failures,
    wallSeconds: (Date.now() - t0) / 1000,
    leftProcesses: stopped.left,
  };
}
