/**
 * The chaos run's invariant sampler: twice a second it records the etcd membership size
 * (member list through the current members), the scheduler's members per agent, and the
 * framework ids the leading master knows. Violations are kept with the time they were seen.
 *
 * @module
 */
import { createEtcdAdminClient } from "../../lib/etcd/admin_client.ts";
import type { MemberView } from "../../scheduler/core/views.ts";

const LIVE = new Set(["TASK_STAGING", "TASK_STARTING", "TASK_RUNNING"]);

/** What the monitor needs from the world. */
export interface MonitorSources {
  members: () => Promise<MemberView[]>;
  /** URL of the leading master, if any. */
  masterUrl: () => string | undefined;
  /** Largest allowed etcd membership (cluster size + 1 learner). */
  maxMembers: number;
  frameworkId: string;
}

/** What the monitor saw. */
export interface MonitorReport {
  samples: number;
  maxEtcdMembers: number;
  maxLiveTasks: number;
  violations: string[];
}

/** Agents with more than one live member in `members`, named. */
export function sharedAgents(members: readonly MemberView[]): string[] {
  const byAgent = new Map<string, string[]>();
  for (const m of members) {
    if (!LIVE.has(m.taskState)) continue;
    byAgent.set(m.agentId, [...(byAgent.get(m.agentId) ?? []), m.name]);
  }
  return [...byAgent].filter(([, names]) => names.length > 1).map(([a, n]) =>
    `${a}: ${n.join(",")}`
  );
}

/** Starts sampling; `stop()` returns the report. */
export function startMonitor(src: MonitorSources): { stop(): Promise<MonitorReport> } {
  const report: MonitorReport = { samples: 0, maxEtcdMembers: 0, maxLiveTasks: 0, violations: [] };
  const violation = (what: string) => {
    if (report.violations.length < 50) {
      report.violations.push(`${new Date().toISOString()} ${what}`);
    }
  };
  let endpoints: string[] = [];
  let stopped = false;
  const sampleOnce = async () => {
    const members = await src.members().catch(() => undefined);
    if (members) {
      const live = members.filter((m) => LIVE.has(m.taskState));
      report.maxLiveTasks = Math.max(report.maxLiveTasks, live.length);
      for (const s of sharedAgents(members)) violation(`two members on one agent: ${s}`);
      if (live.length > 0) endpoints = live.map((m) => `http://${m.host}:${m.clientPort}`);
    }
    if (endpoints.length > 0) {
      const admin = createEtcdAdminClient({ endpoints, timeoutMs: 1000 });
      try {
        const list = await admin.memberList();
        report.maxEtcdMembers = Math.max(report.maxEtcdMembers, list.length);
        if (list.length > src.maxMembers) {
          violation(`${list.length} etcd members (max ${src.maxMembers})`);
        }
      } catch {
        // no quorum or no answer now
      } finally {
        admin.close();
      }
    }
    const url = src.masterUrl();
    if (url) {
      try {
        const res = await fetch(`${url}/master/state`, { signal: AbortSignal.timeout(2000) });
        const state = await res.json() as { frameworks?: { id: string }[] };
        for (const f of state.frameworks ?? []) {
          if (f.id !== src.frameworkId) violation(`framework id ${f.id} (was ${src.frameworkId})`);
        }
      } catch {
        // master changing
      }
    }
    report.samples++;
  };
  const loop = (async () => {
    while (!stopped) {
      const t0 = Date.now();
      await sampleOnce();
      const wait = Math.max(0, 500 - (Date.now() - t0));
      await new Promise((r) => setTimeout(r, wait));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return report;
    },
  };
}
