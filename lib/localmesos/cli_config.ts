/**
 * Flags of `deno task localmesos`, parsed purely so they can be tested:
 * `[--masters N] [--agents N] [--port P] [--zk URL] [--master URL] [--work-dir DIR]
 * [--agent-resources R] [--heartbeat-seconds S] [-v N]`.
 *
 * @module
 */
import { parseArgs } from "node:util";

/** The local Mesos command line, validated. */
export interface LocalMesosCliConfig {
  masters: number;
  agents: number;
  port: number;
  zk?: string;
  master?: string;
  workDir?: string;
  agentResources?: string;
  heartbeatSeconds: number;
  verbosity: number;
  help: boolean;
}

/** Usage text of `deno task localmesos`. */
export const LOCALMESOS_USAGE = `Usage: deno task localmesos [options]
  --masters N           masters to run (default 1; 0 = agents only, needs --master)
  --agents N            agents to run (default 2; 0 = masters only)
  --port P              port of the first master (default 5050; others use P+1, …)
  --zk URL              zk://host:port/path: masters register there for election
  --master URL          where agents find the master with --masters 0 (host:port or zk://)
  --work-dir DIR        agents' sandboxes (default: a new temporary directory)
  --agent-resources R   e.g. "cpus:4;mem:4096;disk:20000;ports:[31000-31099]"
                        (each agent's port ranges are shifted so agents never overlap)
  --heartbeat-seconds S scheduler stream heartbeat interval (default 15)
  -v N                  verbosity (0 info, 1+ debug)
`;

function intFlag(name: string, raw: string | undefined, dflt: number, min: number, max: number) {
  if (raw === undefined) return dflt;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < min || n > max) {
    throw new RangeError(`Cannot parse --${name} "${raw}": expected an integer ${min}..${max}`);
  }
  return n;
}

/** Parses and validates the flags; throws a RangeError naming the bad flag or value. */
export function parseLocalMesosArgs(args: string[]): LocalMesosCliConfig {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        masters: { type: "string" },
        agents: { type: "string" },
        port: { type: "string" },
        zk: { type: "string" },
        master: { type: "string" },
        "work-dir": { type: "string" },
        "agent-resources": { type: "string" },
        "heartbeat-seconds": { type: "string" },
        v: { type: "string", short: "v" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    throw new RangeError((e as Error).message);
  }
  const v = parsed.values;
  const config: LocalMesosCliConfig = {
    masters: intFlag("masters", v.masters, 1, 0, 9),
    agents: intFlag("agents", v.agents, 2, 0, 64),
    port: intFlag("port", v.port, 5050, 0, 65535),
    zk: v.zk,
    master: v.master,
    workDir: v["work-dir"],
    agentResources: v["agent-resources"],
    heartbeatSeconds: intFlag("heartbeat-seconds", v["heartbeat-seconds"], 15, 1, 3600),
    verbosity: intFlag("v", v.v, 0, 0, 9),
    help: v.help ?? false,
  };
  if (config.zk !== undefined && !/^zk:\/\/[^/]+\/.+/.test(config.zk)) {
    throw new RangeError(`Cannot parse --zk "${config.zk}": expected zk://host:port/path`);
  }
  if (config.masters === 0 && config.agents > 0 && !config.master) {
    throw new RangeError("--masters 0 needs --master (host:port or zk://…) for the agents");
  }
  if (config.masters > 1 && !config.zk) {
    throw new RangeError(`--masters ${config.masters} needs --zk zk://host:port/path`);
  }
  return config;
}
