/**
 * The environment a Mesos agent gives an executor (MESOS_FRAMEWORK_ID, MESOS_AGENT_ENDPOINT,
 * MESOS_CHECKPOINT, …), parsed and checked in one place, and Mesos duration strings
 * (`5secs`, `15mins`, `1.5mins`).
 *
 * @module
 */

/** What an executor needs from its environment. */
export interface ExecutorEnv {
  frameworkId: string;
  executorId: string;
  /** The agent's executor API: `http://<MESOS_AGENT_ENDPOINT>/api/v1/executor`. */
  agentUrl: URL;
  /** MESOS_AGENT_ID / MESOS_SLAVE_ID when present. */
  agentId?: string;
  /** MESOS_DIRECTORY: the sandbox on the host. */
  directory: string;
  /** MESOS_SANDBOX: the sandbox as the executor sees it (defaults to `directory`). */
  sandbox: string;
  /** MESOS_CHECKPOINT = "1": the agent may restart and the executor should wait for it. */
  checkpoint: boolean;
  /** MESOS_RECOVERY_TIMEOUT (default 15mins): how long to wait for a restarted agent. */
  recoveryTimeoutMs: number;
  /** MESOS_SUBSCRIPTION_BACKOFF_MAX (default 2secs): upper bound of re-subscribe delays. */
  subscriptionBackoffMaxMs: number;
  /** MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD (default 5secs). */
  shutdownGracePeriodMs: number;
  /** MESOS_EXECUTOR_AUTHENTICATION_TOKEN, sent as `Authorization: Bearer …`. */
  authenticationToken?: string;
}

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  ms: 1,
  secs: 1000,
  mins: 60_000,
  hrs: 3_600_000,
  days: 86_400_000,
  weeks: 604_800_000,
};

/**
 * Parses a Mesos duration (`<number><ns|us|ms|secs|mins|hrs|days|weeks>`) into milliseconds.
 *
 * @throws {RangeError} naming the text when it is not a non-negative Mesos duration.
 */
export function parseMesosDuration(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ns|us|ms|secs|mins|hrs|days|weeks)\s*$/.exec(text);
  if (!m) {
    throw new RangeError(
      `Cannot parse duration ${JSON.stringify(text)}: expected a number followed by ` +
        `ns, us, ms, secs, mins, hrs, days or weeks (e.g. "5secs")`,
    );
  }
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

const REQUIRED = [
  "MESOS_FRAMEWORK_ID",
  "MESOS_EXECUTOR_ID",
  "MESOS_AGENT_ENDPOINT",
  "MESOS_DIRECTORY",
  "MESOS_CHECKPOINT",
] as const;

/**
 * Reads the executor environment.
 *
 * @throws {TypeError} listing every missing required variable and every bad value at once.
 */
export function readExecutorEnv(env: Record<string, string | undefined>): ExecutorEnv {
  const problems: string[] = [];
  const missing = REQUIRED.filter((name) => !env[name]);
  if (missing.length > 0) problems.push(`missing ${missing.join(", ")}`);

  const checkpointText = env.MESOS_CHECKPOINT;
  if (checkpointText && checkpointText !== "1" && checkpointText !== "0") {
    problems.push(`MESOS_CHECKPOINT=${JSON.stringify(checkpointText)} is not "1" or "0"`);
  }
  const duration = (name: string, dflt: string): number => {
    const text = env[name] || dflt;
    try {
      return parseMesosDuration(text);
    } catch {
      problems.push(`${name}=${JSON.stringify(text)} is not a Mesos duration like "5secs"`);
      return NaN;
    }
  };
  const recoveryTimeoutMs = duration("MESOS_RECOVERY_TIMEOUT", "15mins");
  const subscriptionBackoffMaxMs = duration("MESOS_SUBSCRIPTION_BACKOFF_MAX", "2secs");
  const shutdownGracePeriodMs = duration("MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", "5secs");

  let agentUrl: URL | undefined;
  const endpoint = env.MESOS_AGENT_ENDPOINT;
  if (endpoint) {
    try {
      const base = /^https?:\/\//.test(endpoint) ? endpoint : `http://${endpoint}`;
      agentUrl = new URL("/api/v1/executor", base);
    } catch {
      problems.push(`MESOS_AGENT_ENDPOINT=${JSON.stringify(endpoint)} is not ip:port`);
    }
  }

  if (problems.length > 0) {
    throw new TypeError(
      `Cannot read the Mesos executor environment: ${problems.join("; ")} ` +
        `(is this process running under a Mesos agent?)`,
    );
  }
  const directory = env.MESOS_DIRECTORY!;
  const result: ExecutorEnv = {
    frameworkId: env.MESOS_FRAMEWORK_ID!,
    executorId: env.MESOS_EXECUTOR_ID!,
    agentUrl: agentUrl!,
    directory,
    sandbox: env.MESOS_SANDBOX || directory,
    checkpoint: checkpointText === "1",
    recoveryTimeoutMs,
    subscriptionBackoffMaxMs,
    shutdownGracePeriodMs,
  };
  const agentId = env.MESOS_AGENT_ID || env.MESOS_SLAVE_ID;
  if (agentId) result.agentId = agentId;
  if (env.MESOS_EXECUTOR_AUTHENTICATION_TOKEN) {
    result.authenticationToken = env.MESOS_EXECUTOR_AUTHENTICATION_TOKEN;
  }
  return result;
}
