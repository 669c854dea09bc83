/**
 * The chaos run's faults, one at a time: each picks its target with the seeded random source,
 * acts on the environment and says what it did. Recovery (waiting for a healthy cluster) is
 * the runner's job.
 *
 * @module
 */
import { etcdPids } from "../../tests/scheduler_harness.ts";
import type { MemberView } from "../../scheduler/core/views.ts";
import type { ChaosEnvironment } from "./environment.ts";
import type { Rng } from "./rng.ts";

/** Every fault the injector knows, in the order the issue lists them. */
export const FAULTS = [
  "kill-etcd",
  "kill-executor",
  "stop-agent",
  "kill-scheduler",
  "kill-master",
  "restart-zk",
  "drop-majority",
] as const;

/** A fault name. */
export type FaultName = typeof FAULTS[number];

/** What a fault did. */
export interface FaultOutcome {
  note: string;
  /** Pids frozen with SIGSTOP (killed at the end if still there). */
  frozen?: number[];
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

const executorId = (m: MemberView) => `etcd-executor-${m.name}-${m.rpcPort}`;

function killExecutor(env: ChaosEnvironment, m: MemberView): void {
  const agent = env.agents.find((a) => a.id === m.agentId);
  if (!agent?.killExecutor(executorId(m))) {
    throw new Error(`No executor ${executorId(m)} on agent ${m.agentId}`);
  }
}

async function etcdPidOf(env: ChaosEnvironment, m: MemberView): Promise<number> {
  const [pid] = await etcdPids(env.work, m.clientPort);
  if (pid === undefined) throw new Error(`No etcd process for ${m.name} on port ${m.clientPort}`);
  return pid;
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
    case "kill-executor":
      killExecutor(env, target);
      return { note: `SIGKILL executor ${executorId(target)}` };
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
      for (const m of dead) killExecutor(env, m);
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
