/**
 * Support for the end-to-end tests of "no stuck states" (tests/no_stuck_*_test.ts): an
 * executor killed alone (its etcd is not signalled), a member's etcd processes found by its
 * name, and a watch of the admin API that records every `/healthz` reason and whether the
 * liveness alarm (`stuck`) was ever raised while the cluster recovered. Test-only.
 *
 * @module
 */
import type { MemberView } from "../../scheduler/core/views.ts";
import { executorProcessPids, isAlive } from "../../lib/localmesos/agent/testing/agent_process.ts";
import { until } from "../../lib/until.ts";
import type { AdminClient } from "./admin.ts";
import { pidsMentioning } from "./processes.ts";

/**
 * The executor id the scheduler gives a member's task (a relaunch in place on a persistent
 * volume, task id ending in ` r<n>`, has `-r<n>` too).
 */
export const executorIdOf = (m: MemberView): string => {
  const relaunch = / (r[0-9]+)$/.exec(m.taskId)?.[1];
  return `etcd-executor-${m.name}-${m.rpcPort}${relaunch === undefined ? "" : `-${relaunch}`}`;
};

/**
 * SIGKILLs the executor process of member `m` (only that process: not its process group,
 * so its etcd is not signalled); returns its pid.
 */
export async function killExecutorOnly(work: string, m: MemberView): Promise<number> {
  const pid = await executorPid(work, m);
  Deno.kill(pid, "SIGKILL");
  return pid;
}

/** The one executor process of member `m`; fails when there is none or several. */
export async function executorPid(work: string, m: MemberView): Promise<number> {
  const pids = await executorProcessPids(work, executorIdOf(m));
  if (pids.length !== 1) {
    throw new Error(`Expected one executor process of ${m.name}, found [${pids.join(",")}]`);
  }
  return pids[0]!;
}

/** Live pids of the etcd processes of member `m` (by `--name=<name>`) under `work`. */
export async function memberEtcdPids(work: string, m: MemberView): Promise<number[]> {
  const out: number[] = [];
  for (const pid of await pidsMentioning(work, "etcd")) {
    const argv = (await Deno.readTextFile(`/proc/${pid}/cmdline`).catch(() => "")).split("\0");
    if (argv.includes(`--name=${m.name}`) && await isAlive(pid)) out.push(pid);
  }
  return out;
}

/** The one etcd process of `m`; fails when there is none or several. */
export async function memberEtcdPid(work: string, m: MemberView): Promise<number> {
  return await until(async () => {
    const pids = await memberEtcdPids(work, m);
    return pids.length === 1 ? pids[0] : undefined;
  }, { timeoutMs: 10_000, what: `one etcd process of ${m.name}` });
}

/** What {@linkcode watchAdmin} saw. */
export interface AdminWatch {
  /** Distinct `/healthz` bodies seen, in order. */
  reasons: string[];
  /** The first `/healthz` body seen while `/stats` said `stuck` 1, if any. */
  stuck?: string;
  /** Most `stray_members` seen at once. */
  maxStrays: number;
  /** Stops watching; resolves with what was seen. */
  stop(): Promise<AdminWatch>;
}

/** Polls `/stats` and `/healthz` every 500 ms until stopped (errors are skipped). */
export function watchAdmin(admin: AdminClient): AdminWatch {
  let running = true;
  const watch: AdminWatch = {
    reasons: [],
    maxStrays: 0,
    stop: async () => {
      running = false;
      await loop;
      return watch;
    },
  };
  const loop = (async () => {
    while (running) {
      try {
        const [stats, h] = await Promise.all([admin.stats(), admin.healthz()]);
        if (watch.reasons.at(-1) !== h.body) watch.reasons.push(h.body);
        if (stats.stuck === 1) watch.stuck ??= h.body;
        watch.maxStrays = Math.max(watch.maxStrays, stats.stray_members ?? 0);
      } catch {
        // the scheduler is busy or restarting: try again
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  return watch;
}

/** The last `n` distinct reasons, one per line, for an assertion message. */
export function reasonsTail(w: AdminWatch, n = 12): string {
  return w.reasons.slice(-n).map((r) => `  ${r.slice(0, 300)}`).join("\n");
}
