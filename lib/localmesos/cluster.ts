/**
 * A whole local Mesos in one process: N masters (elected through ZooKeeper when there are
 * several, or when `zk` is given) and M agents, each agent with its own slice of ports so
 * that members on different agents of one machine never collide.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import { createLocalMaster, type LocalMaster, type MasterOptions } from "./master/master.ts";
import { createLocalAgent, type LocalAgent, type LocalAgentTuning } from "./agent/agent.ts";
import { createMasterDetector, type MasterDetector } from "../mesos/master_detector.ts";

/** Options of {@linkcode startLocalMesos}. */
export interface LocalMesosOptions {
  /** Number of masters (default 1); 0 runs agents only, against `master`. */
  masters?: number;
  /** Number of agents (default 1); 0 runs masters only. */
  agents?: number;
  /** Port of the first master (default 5050; 0 = free ports); others take the next ports. */
  port?: number;
  /** `zk://…/mesos`: masters register there; required for more than one master. */
  zk?: string;
  /** Where agents find the master when `masters` is 0 (`host:port` or `zk://`). */
  master?: string;
  /** Agents' work directories go under `<workDir>/agent-<i>`. */
  workDir: string;
  /** Mesos resource string of every agent; each agent's port ranges are shifted (see below). */
  agentResources?: string;
  /** Attributes of agent i, e.g. `(i) => "rack:r" + i`. */
  agentAttributes?: (index: number) => string | undefined;
  logger: Logger;
  masterOptions?: MasterOptions;
  agentTuning?: LocalAgentTuning;
}

/** A running local Mesos. */
export interface LocalMesos {
  readonly masters: LocalMaster[];
  readonly agents: LocalAgent[];
  /** What a scheduler should use as `--master`: the zk URL, or the single master's address. */
  readonly masterSpec: string;
  /** The leading master among `masters`, if any. */
  leader(): LocalMaster | undefined;
  /** Stops every agent (and so every executor and etcd) and every master. */
  stop(): Promise<void>;
}

/** Default resources of one local agent. */
export const DEFAULT_AGENT_RESOURCES = "cpus:4;mem:4096;disk:20000;ports:[31000-31099]";

/**
 * Shifts every `ports:[a-b,...]` range of a resource string by `index` times the span of
 * its ranges, so agent 0 keeps `[31000-31099]`, agent 1 gets `[31100-31199]`, and so on.
 */
export function resourcesForAgent(resources: string, index: number): string {
  return resources.replace(/ports:\[([^\]]*)\]/, (_all, body: string) => {
    const ranges = body.split(",").map((r) => {
      const m = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(r);
      if (!m) throw new RangeError(`Cannot parse port range "${r}" in "${resources}"`);
      return [Number(m[1]), Number(m[2])] as const;
    });
    const span = Math.max(...ranges.map(([, hi]) => hi)) - Math.min(...ranges.map(([lo]) => lo)) +
      1;
    const shifted = ranges.map(([lo, hi]) => `${lo + index * span}-${hi + index * span}`);
    const top = Math.max(...ranges.map(([, hi]) => hi + index * span));
    if (top > 65535) {
      throw new RangeError(`Agent ${index}'s ports would exceed 65535 ("${resources}")`);
    }
    return `ports:[${shifted.join(",")}]`;
  });
}

/** Starts masters, then agents, and waits until a master leads and every agent registered. */
export async function startLocalMesos(options: LocalMesosOptions): Promise<LocalMesos> {
  const masterCount = options.masters ?? 1;
  const agentCount = options.agents ?? 1;
  if (masterCount > 1 && !options.zk) {
    throw new RangeError(`--masters ${masterCount} needs --zk zk://host:port/path for election`);
  }
  if (masterCount === 0 && !options.master) {
    throw new RangeError("--masters 0 needs --master (host:port or zk://…) for the agents");
  }
  const masters: LocalMaster[] = [];
  const agents: LocalAgent[] = [];
  let detector: MasterDetector | undefined;
  const stop = async () => {
    await Promise.allSettled(agents.map((a) => a.stop()));
    await Promise.allSettled(masters.map((m) => m.stop()));
    await detector?.close();
  };
  try {
    for (let i = 0; i < masterCount; i++) {
      const port = options.port === undefined
        ? 5050 + i
        : options.port === 0
        ? 0
        : options.port + i;
      masters.push(
        await createLocalMaster({
          port,
          zk: options.zk,
          logger: options.logger.child({ component: `master-${i}` }),
          options: options.masterOptions,
        }),
      );
    }
    if (masters.length > 0) await Promise.any(masters.map((m) => m.waitForLeadership()));
    const masterSpec = options.zk ?? options.master ?? masters[0]!.url;
    // Agents follow the leader through ZooKeeper, as real agents do.
    if (masterSpec.startsWith("zk://")) {
      detector = createMasterDetector(masterSpec, {
        logger: options.logger.child({ component: "agent-detector" }),
      });
    }
    const d = detector;
    const agentMaster = d ? () => d.current() : masterSpec;
    for (let i = 0; i < agentCount; i++) {
      const workDir = `${options.workDir}/agent-${i}`;
      await Deno.mkdir(workDir, { recursive: true });
      agents.push(
        await createLocalAgent({
          master: agentMaster,
          workDir,
          resources: resourcesForAgent(options.agentResources ?? DEFAULT_AGENT_RESOURCES, i),
          attributes: options.agentAttributes?.(i),
          logger: options.logger.child({ component: `agent-${i}` }),
          options: options.agentTuning,
        }),
      );
    }
    await Promise.all(agents.map((a) => a.whenRegistered()));
    return {
      masters,
      agents,
      masterSpec,
      leader: () => masters.find((m) => m.isLeader()),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
