/**
 * The chaos run's faults, one at a time: each picks its target with the seeded random source,
 * acts on the environment and says what it did. Recovery (waiting for a healthy cluster) is
 * the runner's job; a fault may leave a check to run once the cluster has recovered.
 *
 * @module
 */
import { until } from "../../lib/until.ts";
import { isAlive } from "../../lib/localmesos/agent/testing/agent_process.ts";
import { etcdPids } from "../../tests/testing/processes.ts";
import { memberEtcdPids } from "../../tests/testing/stuck.ts";
import type { MemberView } from "../../scheduler/core/views.ts";
import { type ChaosEnvironment, executorIdOf } from "./environment.ts";
import type { Rng } from "./rng.ts";

/**
 * How long after the recovery a frozen etcd may still exist: its task's kill grace period
 * (10 s, scheduler/core/task_info.ts) and some slack.
 */
const FROZEN_KILL_BOUND_MS = 15_000;

/** Every fault the injector knows, in the order the issues list them. */
export const FAULTS = [
  "kill-etcd",
  "kill-executor",
  "stop-agent",
  "kill-scheduler",
  "kill-master",
  "restart-zk",
  "drop-majority",
  "kill-executor-only",
  "sigstop-etcd",
  "sigstop-agent",
] as const;

/** A fault name. */
export type FaultName = typeof FAULTS[number];

/** What a fault did. */
export interface FaultOutcome {
  note: string;
  /** Pids frozen with SIGSTOP (killed at the end if still there). */
  frozen?: number[];
  /**
   * Run once the cluster has recovered: says what it found (appended to the note) and
   * whether that is a failure.
   */
  afterRecovery?: () => Promise<{ note: string; failure?: string }>;
}

/** Parses `a,b,c` into fault names; throws naming an unknown one. */
export function parseFaults(list: string): FaultName[] {
  const names = list.split(",").map((s) => s.trim()).filter((s) => s !== "");
  for (const n of names) {
    if (!(FAULTS as readonly string[]).includes(n)) {
      throw new RangeError(`Unknown fault "${n}"; known: ${FAULTS.join(",")}`);
    }
  }
  if (names.length === 0) throw new RangeError(`No fault in "${list}"`);
  return names as FaultName[];
}

async function etcdPidOf(env: ChaosEnvironment, m: MemberView): Promise<number> {
  const [pid] = await etcdPids(env.work, m.clientPort);
  if (pid === undefined) throw new Error(`No etcd process for ${m.name} on port ${m.clientPort}`);
  return pid;
}

/** Whether the leading master still lists agent `id` among its agents. */
async function masterLists(env: ChaosEnvironment, id: string): Promise<boolean> {
  const url = env.leader()?.url;
  if (url === undefined) throw new Error("no leading master");
  const res = await fetch(`${url}/master/state`, { signal: AbortSignal.timeout(2000) });
  const state = await res.json() as { slaves?: { id: string }[] };
  return (state.slaves ?? []).some((a) => a.id === id);
}

/** Injects `fault` into `env`, choosing targets among the healthy `members` with `rng`. */
export async function injectFault(
  fault: FaultName,
  env: ChaosEnvironment,
  members: MemberView[],
  rng: Rng,
): Promise<FaultOutcome> {
  const target = rng.pick(members);
  switch (fault) {
    case "kill-etcd": {
      const pid = await etcdPidOf(env, target);
      Deno.kill(pid, "SIGKILL");
      return { note: `SIGKILL etcd of ${target.name} (pid ${pid})` };
    }
    case "kill-executor": {
      const pid = await env.killExecutorGroup(target);
      return { note: `SIGKILL executor ${executorIdOf(target)} and its group (pid ${pid})` };
    }
    case "kill-executor-only": {
      const etcd = await etcdPidOf(env, target);
      const pid = await env.killExecutorOnly(target);
      return {
        note: `SIGKILL executor of ${target.name} alone (pid ${pid}; etcd pid ${etcd})`,
        afterRecovery: async () =>
          await isAlive(etcd)
            ? {
              note: `its etcd pid ${etcd} STILL RUNS`,
              failure: `etcd pid ${etcd} of ${target.name} survived its executor's SIGKILL`,
            }
            : { note: "its etcd is gone" },
      };
    }
    case "sigstop-etcd": {
      const pid = await etcdPidOf(env, target);
      Deno.kill(pid, "SIGSTOP");
      return {
        note: `SIGSTOP etcd of ${target.name} (pid ${pid})`,
        frozen: [pid],
        afterRecovery: async () => {
          // Its task is killed with a grace period (SIGTERM waits while it is stopped, then
          // SIGKILL): a replacement on a spare agent can be healthy first.
          const t0 = Date.now();
          const dead = await until(async () => !await isAlive(pid), {
            timeoutMs: FROZEN_KILL_BOUND_MS,
            what: `the frozen etcd pid ${pid} killed`,
          }).then(() => true, () => false);
          const waited = ((Date.now() - t0) / 1000).toFixed(1);
          try {
            Deno.kill(pid, "SIGCONT");
          } catch {
            // already dead: what should be
          }
          if (!dead) {
            return {
              note: `pid ${pid} STILL ALIVE ${waited} s after the recovery; SIGCONT`,
              failure: `the frozen etcd pid ${pid} of ${target.name} was not killed`,
            };
          }
          return {
            note: waited === "0.0"
              ? "dead at the recovery; SIGCONT: already dead"
              : `still frozen at the recovery, dead ${waited} s later; SIGCONT: already dead`,
          };
        },
      };
    }
    case "sigstop-agent": {
      const agent = env.agentProcessOf(target);
      const etcd = await etcdPidOf(env, target);
      const t0 = Date.now();
      agent.freeze();
      try {
        await until(async () => !await masterLists(env, agent.id), {
          timeoutMs: 60_000,
          what: `the master marking agent ${agent.id} unreachable`,
        });
      } finally {
        agent.resume();
      }
      const frozenS = ((Date.now() - t0) / 1000).toFixed(1);
      return {
        note: `SIGSTOP agent ${agent.id} of ${target.name} for ${frozenS} s (until the ` +
          `master removed it), then SIGCONT`,
        afterRecovery: async () => {
          // The old process, or one its executor started again with the same name.
          const left = [...new Set([etcd, ...await memberEtcdPids(env.work, target)])];
          const alive = (await Promise.all(left.map(isAlive))).some((a) => a);
          const stats = await env.admin.stats();
          if (alive) {
            return {
              note: `an etcd of ${target.name} STILL RUNS (pids ${left.join(",")})`,
              failure: `the stray etcd of ${target.name} was not fenced (pids ${left.join(",")})`,
            };
          }
          return stats.stray_members === 0 ? { note: "its old etcd is gone, no stray" } : {
            note: `stray_members ${stats.stray_members}`,
            failure:
              `stray_members ${stats.stray_members} after recovering from ${target.name}'s agent freeze`,
          };
        },
      };
    }
    case "stop-agent":
      await env.replaceAgent(target.agentId);
      return { note: `stopped agent ${target.agentId} (${target.name}); a fresh agent joined` };
    case "kill-scheduler": {
      const pid = env.schedulerPid;
      await env.restartScheduler();
      return { note: `SIGKILL scheduler (pid ${pid}); restarted` };
    }
    case "kill-master":
      return { note: `stopped leading master ${await env.killLeadingMaster()}; new standby` };
    case "restart-zk":
      await env.zk.restart();
      return { note: "ZooKeeper restarted" };
    case "drop-majority": {
      const order = rng.shuffle(members);
      const lose = Math.floor(members.length / 2) + 1;
      const dropped = order.slice(0, lose);
      const [hung, ...dead] = dropped;
      for (const m of dead) await env.killExecutorGroup(m);
      const pid = await etcdPidOf(env, hung!);
      Deno.kill(pid, "SIGSTOP");
      return {
        note: `dropped ${lose} of ${members.length}: killed executors of ${
          dead.map((m) => m.name).join(",")
        }, froze etcd of ${hung!.name} (pid ${pid})`,
        frozen: [pid],
      };
    }
  }
}
