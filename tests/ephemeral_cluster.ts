/**
 * Support for end-to-end tests that need no ZooKeeper: an in-process local Mesos on free
 * ports with its own port block, the executor artifact from `dist/` (rebuilt when stale), and
 * an `--ephemeral` scheduler as a separate process. `stop()` stops everything and reports what
 * is left. Test-only.
 *
 * @module
 */
import { createLogger, type Logger } from "../lib/log.ts";
import { killAll, processesUnder } from "../localcluster/leftovers.ts";
import { freePort } from "../localcluster/ports.ts";
import type { LocalMesos } from "../lib/localmesos/cluster.ts";
import type { MasterOptions } from "../lib/localmesos/master/master.ts";
import { schedulerFlags, startTestMesos, testExecutorArtifact } from "./e2e_env.ts";
import { AdminApi, SchedulerProcess } from "./scheduler_harness.ts";

/** Options of {@linkcode startEphemeralCluster}. */
export interface EphemeralClusterOptions {
  /** Name used for the work directory and log fields. */
  name: string;
  agents: number;
  clusterSize: number;
  masterOptions?: MasterOptions;
  /** Extra scheduler flags (after the defaults, so they win). */
  schedulerArgs?: string[];
}

/** A running local Mesos plus scheduler. */
export interface EphemeralCluster {
  work: string;
  mesos: LocalMesos;
  admin: AdminApi;
  schedulerLog: string;
  log: Logger;
  /** The tail of the scheduler's log. */
  schedulerTail(chars?: number): Promise<string>;
  /**
   * Stops the scheduler (SIGTERM) and the local Mesos, kills anything left in the work
   * directory, removes it (unless `KEEP_WORK=1`) and reports the scheduler's exit code and
   * the pids that were left.
   */
  stop(): Promise<{ schedulerExit: number; left: number[] }>;
}

/** Starts the local Mesos (in this process) and the scheduler (as a child process). */
export async function startEphemeralCluster(
  options: EphemeralClusterOptions,
): Promise<EphemeralCluster> {
  const log = createLogger({ level: "info", fields: { test: options.name } });
  const work = await Deno.realPath(
    await Deno.makeTempDir({ prefix: `etcd-mesos-${options.name}-` }),
  );
  const artifact = await testExecutorArtifact(log);
  const { mesos } = await startTestMesos({
    name: options.name,
    work,
    agents: options.agents,
    masterOptions: options.masterOptions,
  });
  const adminPort = freePort();
  const schedulerLog = `${work}/scheduler.log`;
  const scheduler = new SchedulerProcess(
    schedulerFlags({
      masterSpec: mesos.masterSpec,
      adminPort,
      artifact,
      clusterSize: options.clusterSize,
      extra: options.schedulerArgs,
    }),
    schedulerLog,
  );
  const schedulerTail = async (chars = 8000) =>
    (await Deno.readTextFile(schedulerLog).catch(() => "")).slice(-chars);
  return {
    work,
    mesos,
    admin: new AdminApi(adminPort),
    schedulerLog,
    log,
    schedulerTail,
    stop: async () => {
      const schedulerExit = await scheduler.stop();
      await mesos.stop();
      const found = await processesUnder(work);
      killAll(found);
      if (Deno.env.get("KEEP_WORK")) log.info("work dir kept", { work });
      else await Deno.remove(work, { recursive: true }).catch(() => {});
      return { schedulerExit, left: found.map((p) => p.pid) };
    },
  };
}
