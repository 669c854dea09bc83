/**
 * The environment a real Mesos 1.12 agent gives an executor (protocol doc §3,
 * transcript `executor-env.txt`): the MESOS_* variables, LIBPROCESS_IP/PORT, a default PATH
 * and the `CommandInfo.environment` variables, and nothing of the agent's own environment.
 *
 * Deviation: PATH is the agent process' PATH followed by Mesos' default entries it lacks,
 * so that executors find `deno`, `etcd` and friends wherever the agent found them.
 *
 * @module
 */
import type { Environment } from "../../mesos/types.ts";

/** Mesos' default executor PATH. */
export const MESOS_DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** Inputs of {@linkcode executorEnvironment}. */
export interface ExecutorEnvInput {
  frameworkId: string;
  executorId: string;
  agentId: string;
  /** The agent's IP and port (MESOS_AGENT_ENDPOINT = `ip:port`). */
  agentIp: string;
  agentPort: number;
  /** The sandbox (MESOS_DIRECTORY = MESOS_SANDBOX). */
  directory: string;
  /** Framework checkpointing on this agent. */
  checkpoint: boolean;
  /** MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD; default 5000 (`5secs`). */
  shutdownGracePeriodMs?: number;
  /** MESOS_RECOVERY_TIMEOUT with checkpointing; default 15 minutes (`15mins`). */
  recoveryTimeoutMs?: number;
  /** MESOS_SUBSCRIPTION_BACKOFF_MAX with checkpointing; default 2000 (`2secs`). */
  subscriptionBackoffMaxMs?: number;
  /** The agent process' PATH, put before Mesos' defaults; default none. */
  agentPath?: string;
  /** `CommandInfo.environment`: added last, overriding the above. */
  commandEnvironment?: Environment;
}

/** Builds the exact environment of an executor process. */
export function executorEnvironment(input: ExecutorEnvInput): Record<string, string> {
  const endpoint = `${input.agentIp}:${input.agentPort}`;
  const env: Record<string, string> = {
    LIBPROCESS_IP: input.agentIp,
    LIBPROCESS_PORT: "0",
    MESOS_AGENT_ENDPOINT: endpoint,
    MESOS_CHECKPOINT: input.checkpoint ? "1" : "0",
    MESOS_DIRECTORY: input.directory,
    MESOS_EXECUTOR_ID: input.executorId,
    MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: formatDuration(input.shutdownGracePeriodMs ?? 5_000),
    MESOS_FRAMEWORK_ID: input.frameworkId,
    MESOS_HTTP_COMMAND_EXECUTOR: "0",
    MESOS_SANDBOX: input.directory,
    MESOS_SLAVE_ID: input.agentId,
    MESOS_SLAVE_PID: `slave(1)@${endpoint}`,
    PATH: joinPath(input.agentPath),
  };
  if (input.checkpoint) {
    env.MESOS_RECOVERY_TIMEOUT = formatDuration(input.recoveryTimeoutMs ?? 15 * 60_000);
    env.MESOS_SUBSCRIPTION_BACKOFF_MAX = formatDuration(input.subscriptionBackoffMaxMs ?? 2_000);
  }
  for (const v of input.commandEnvironment?.variables ?? []) env[v.name] = v.value ?? "";
  return env;
}

function joinPath(agentPath: string | undefined): string {
  const parts = (agentPath ?? "").split(":").filter((p) => p !== "");
  for (const p of MESOS_DEFAULT_PATH.split(":")) if (!parts.includes(p)) parts.push(p);
  return parts.join(":");
}

const UNITS: [string, number][] = [
  ["weeks", 7 * 86_400_000],
  ["days", 86_400_000],
  ["hrs", 3_600_000],
  ["mins", 60_000],
  ["secs", 1_000],
  ["ms", 1],
  ["us", 1e-3],
  ["ns", 1e-6],
];

/**
 * Formats milliseconds as a Mesos duration: the largest unit that keeps the number >= 1
 * (`5secs`, `15mins`, `1.5mins`, `250ms`; zero is `0ns`).
 *
 * @throws {RangeError} naming the value when it is negative or not finite.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) {
    throw new RangeError(`Cannot format duration ${ms} ms: expected a finite number >= 0`);
  }
  if (ms === 0) return "0ns";
  const [unit, size] = UNITS.find(([, size]) => ms >= size) ?? UNITS[UNITS.length - 1]!;
  return `${Number((ms / size).toPrecision(12))}${unit}`;
}
