/**
 * Flags of `deno task start` (the local cluster launcher), parsed purely: its own flags
 * (`--agents N`, `--mesos-port P`, `--work-dir DIR`, `--agent-resources R`, `--help`), and
 * every other flag passed through to the scheduler after the launcher's local defaults,
 * validated with the scheduler's own {@linkcode parseConfig} so a bad flag is reported before
 * anything starts.
 *
 * @module
 */
import { type Config, parseConfig } from "../scheduler/config.ts";
import { SPECS } from "../scheduler/config_specs.ts";
import { ConfigError } from "../lib/flags.ts";

/** The launcher's command line, validated. */
export interface LocalClusterConfig {
  /** `--help` was given. */
  help: boolean;
  /** Agents of the local Mesos (default 3). */
  agents: number;
  /** Port of the local Mesos master (default 5050; 0 = a free port). */
  mesosPort: number;
  /** Where sandboxes and logs go; default a new temporary directory, removed on stop. */
  workDir?: string;
  /** Resources of every agent (port ranges shifted per agent); default the local Mesos'. */
  agentResources?: string;
  /** The scheduler's flags: the launcher's defaults, then the user's (without `--master`). */
  schedulerArgs: string[];
  /** The scheduler's configuration those flags give (with the real `--master` stand-in). */
  scheduler: Config;
  /** True when the user chose the executor (`--executor-bin`/`--executor-uri`): no build. */
  executorGiven: boolean;
  /** True when the user chose etcd (`--etcd-bin`/`--etcd-uri`). */
  etcdGiven: boolean;
}

/**
 * Scheduler flags the launcher sets unless the user gives them: a 3-member cluster, sized to
 * fit the local agents, probed every second, addresses on loopback, members on persistent
 * volumes of role `etcd`.
 */
export const LOCAL_SCHEDULER_DEFAULTS: Readonly<Record<string, string>> = {
  "cluster-size": "3",
  "address": "127.0.0.1",
  "sandbox-cpu-limit": "0.5",
  "sandbox-mem-limit": "256",
  "sandbox-disk-limit": "256",
  "health-interval": "1s",
  "member-grace-period": "10s",
  "destructive-interval": "5s",
  // Members keep their data on persistent volumes reserved for this role (issue 12).
  "role": "etcd",
};

/** Scheduler flags the launcher owns: the user may not give them. */
const OWNED: Record<string, string> = {
  "master": "the launcher points the scheduler at its own local Mesos; use --mesos-port",
  "zk-framework-persist": "the local cluster is an explicitly ephemeral framework",
  "ephemeral": "the local cluster is always --ephemeral",
};

/** Usage text of `deno task start`. */
export const LOCAL_CLUSTER_USAGE = `Usage: deno task start [options] [scheduler flags]
Starts a local Mesos (one master, N agents) and the etcd-mesos scheduler as separate
processes, brings up an etcd cluster on 127.0.0.1, prints its endpoints and runs until
Ctrl-C (SIGINT/SIGTERM), which stops everything it started, etcd included.

Options:
  --agents N            agents of the local Mesos (default 3)
  --mesos-port P        port of the local Mesos master (default 5050; 0 = any free port)
  --work-dir DIR        sandboxes and logs (default: a new temporary directory, removed on stop)
  --agent-resources R   resources of each agent, e.g. "cpus:4;mem:4096;disk:20000;ports:[31000-31099]"
                        (port ranges are shifted per agent so members never collide)
  -h, --help            this help

Every other flag goes to the scheduler (see \`deno task scheduler --help\`), e.g.
  --cluster-size=5 --admin-port=23401 --reseed-timeout=60s
The launcher runs the scheduler with --ephemeral, --master=<the local master>, the executor
artifact (dist/etcd-mesos-executor.tar.gz, rebuilt offline when missing or stale) served by
the scheduler, --etcd-bin=<etcd on PATH>, and these defaults unless you give them:
${Object.entries(LOCAL_SCHEDULER_DEFAULTS).map(([k, v]) => `  --${k}=${v}`).join("\n")}
`;

const LAUNCHER_FLAGS = new Set([
  "agents",
  "mesos-port",
  "work-dir",
  "agent-resources",
  "help",
  "h",
]);
const SCHEDULER_SPECS = new Map(SPECS.map((s) => [s.name, s]));

function intFlag(flag: string, raw: string, min: number, max: number): number {
  const n = /^[0-9]+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!(n >= min && n <= max)) {
    throw new RangeError(`Cannot parse ${flag} "${raw}": expected an integer ${min}..${max}`);
  }
  return n;
}

interface Split {
  own: Map<string, { written: string; value: string }>;
  scheduler: string[];
  /** Names (without dashes) of the scheduler flags the user gave. */
  given: Set<string>;
}

/** Separates the launcher's flags from the scheduler's, keeping each scheduler flag's value. */
function split(args: readonly string[]): Split {
  const own = new Map<string, { written: string; value: string }>();
  const scheduler: string[] = [];
  const given = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const m = /^(--?)([^=]+)(=(.*))?$/s.exec(arg);
    if (!m) {
      throw new RangeError(`Unexpected argument ${JSON.stringify(arg)}: flags start with -`);
    }
    const name = m[2]!;
    const written = m[1]! + name;
    const inline = m[4];
    if (LAUNCHER_FLAGS.has(name)) {
      if (name === "help" || name === "h") {
        own.set("help", { written, value: inline ?? "true" });
        continue;
      }
      const value = inline ?? args[++i];
      if (value === undefined) throw new RangeError(`Missing value for ${written}`);
      own.set(name, { written, value });
      continue;
    }
    const spec = SCHEDULER_SPECS.get(name);
    if (!spec) {
      throw new ConfigError(
        written,
        undefined,
        `Unknown flag ${written}: not a launcher flag (--agents, --mesos-port, --work-dir, ` +
          "--agent-resources) nor a scheduler flag (see --help)",
      );
    }
    if (OWNED[name]) {
      throw new ConfigError(written, inline, `Cannot use ${written}: ${OWNED[name]}`);
    }
    given.add(name);
    scheduler.push(arg);
    if (inline === undefined) {
      const next = args[i + 1];
      if (spec.bool) {
        if (next !== undefined && /^(true|false)$/i.test(next)) scheduler.push(args[++i]!);
      } else if (next !== undefined) {
        scheduler.push(args[++i]!);
      }
    }
  }
  return { own, scheduler, given };
}

/**
 * Parses the launcher's command line; `env` is the scheduler's environment (its fallbacks).
 *
 * @throws {RangeError|ConfigError} naming the bad flag or value, a scheduler flag the launcher
 * owns, or a cluster larger than the agents can hold (one member per agent).
 */
export function parseLocalClusterArgs(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): LocalClusterConfig {
  const { own, scheduler, given } = split(args);
  const get = (name: string) => own.get(name);
  const flagOf = (name: string) => get(name)?.written ?? `--${name}`;
  const help = get("help") !== undefined;
  const agentsRaw = get("agents")?.value;
  const portRaw = get("mesos-port")?.value;
  const agents = agentsRaw === undefined ? 3 : intFlag(flagOf("agents"), agentsRaw, 1, 64);
  const mesosPort = portRaw === undefined ? 5050 : intFlag(flagOf("mesos-port"), portRaw, 0, 65535);
  const workDir = get("work-dir")?.value;
  if (workDir !== undefined && workDir.trim() === "") {
    throw new RangeError(`Cannot use ${flagOf("work-dir")} "": expected a directory`);
  }
  const agentResources = get("agent-resources")?.value;
  if (agentResources !== undefined && !/^[a-z_]+:[^;]+(;[a-z_]+:[^;]+)*$/.test(agentResources)) {
    throw new RangeError(
      `Cannot parse ${flagOf("agent-resources")} "${agentResources}": expected name:value;... ` +
        'like "cpus:4;mem:4096;disk:20000;ports:[31000-31099]"',
    );
  }
  const defaults = Object.entries(LOCAL_SCHEDULER_DEFAULTS)
    .filter(([k]) => !given.has(k))
    .map(([k, v]) => `--${k}=${v}`);
  const schedulerArgs = ["--ephemeral", ...defaults, ...scheduler];
  // The master and the executor artifact are only known at run time; stand-ins validate.
  const probe = [
    "--master=127.0.0.1:5050",
    ...schedulerArgs,
  ];
  const config = parseConfig(probe, env);
  if (!help && config.placement.kind === "agent" && config.clusterSize > agents) {
    throw new RangeError(
      `Cannot place --cluster-size=${config.clusterSize} on --agents ${agents}: one member per ` +
        `agent needs at least ${config.clusterSize} agents (pass --agents ${config.clusterSize})`,
    );
  }
  return {
    help,
    agents,
    mesosPort,
    workDir,
    agentResources,
    schedulerArgs,
    scheduler: config,
    executorGiven: given.has("executor-bin") || given.has("executor-uri"),
    etcdGiven: given.has("etcd-bin") || given.has("etcd-uri"),
  };
}
