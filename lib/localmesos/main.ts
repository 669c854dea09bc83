/**
 * `deno task localmesos`: runs a local Mesos (masters and agents that speak the real v1
 * wire protocol) until SIGINT/SIGTERM, then stops every process it started.
 *
 * @module
 */
import { createLogger, levelFromVerbosity } from "../log.ts";
import { LOCALMESOS_USAGE, parseLocalMesosArgs } from "./cli_config.ts";
import { startLocalMesos } from "./cluster.ts";

const write = (s: string) => Deno.stdout.writeSync(new TextEncoder().encode(s));

async function main(args: string[]): Promise<number> {
  let config;
  try {
    config = parseLocalMesosArgs(args);
  } catch (e) {
    Deno.stderr.writeSync(new TextEncoder().encode(`localmesos: ${(e as Error).message}\n`));
    return 2;
  }
  if (config.help) {
    write(LOCALMESOS_USAGE);
    return 0;
  }
  const logger = createLogger({ level: levelFromVerbosity(config.verbosity) });
  const workDir = config.workDir ?? await Deno.makeTempDir({ prefix: "localmesos-" });
  const mesos = await startLocalMesos({
    masters: config.masters,
    agents: config.agents,
    port: config.port,
    zk: config.zk,
    master: config.master,
    workDir,
    agentResources: config.agentResources,
    logger,
    masterOptions: { heartbeatSeconds: config.heartbeatSeconds },
  });
  for (const m of mesos.masters) write(`master ${m.url}${m.isLeader() ? " (leader)" : ""}\n`);
  for (const a of mesos.agents) write(`agent ${a.id} ${a.url}\n`);
  write(`work dir ${workDir}\nmaster spec for schedulers: ${mesos.masterSpec}\n`);
  const stopped = Promise.withResolvers<void>();
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(sig, () => stopped.resolve());
  }
  await stopped.promise;
  logger.info("stopping local Mesos");
  await mesos.stop();
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
