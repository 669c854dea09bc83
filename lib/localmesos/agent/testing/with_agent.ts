/**
 * A local agent registered with a {@linkcode FakeMaster}, in a temporary work dir, for the
 * length of a test: both stopped and the work dir removed afterwards. Test-only.
 *
 * @module
 */
import { silentLogger } from "../../../log.ts";
import { createLocalAgent, type LocalAgent, type LocalAgentTuning } from "../agent.ts";
import { FakeMaster } from "./fake_master.ts";

/** A test run against an agent, its master and its work dir. */
export type AgentTest = (agent: LocalAgent, master: FakeMaster, workDir: string) => Promise<void>;

export interface AgentTestOptions {
  /** The work dir's name prefix. */
  prefix: string;
  /** Added to the fast pings and status retries (100 ms). */
  tuning?: LocalAgentTuning;
  /** The fake master acknowledges status updates (the default). */
  autoAck?: boolean;
  /** The agent's reported hostname. */
  hostname?: string;
  /** The agent's resources (Mesos' `--resources` text). */
  resources?: string;
}

/** Runs `fn` against a fresh agent registered with a fresh fake master. */
export async function withLocalAgent(options: AgentTestOptions, fn: AgentTest): Promise<void> {
  const workDir = await Deno.makeTempDir({ prefix: options.prefix });
  const master = new FakeMaster({ autoAck: options.autoAck ?? true });
  const agent = await createLocalAgent({
    master: master.url,
    workDir,
    logger: silentLogger,
    ...(options.hostname === undefined ? {} : { hostname: options.hostname }),
    ...(options.resources === undefined ? {} : { resources: options.resources }),
    options: { pingIntervalMs: 100, statusRetryMs: 100, ...options.tuning },
  });
  try {
    await agent.whenRegistered();
    await fn(agent, master, workDir);
  } finally {
    await agent.stop();
    await master.stop();
    await Deno.remove(workDir, { recursive: true });
  }
}
