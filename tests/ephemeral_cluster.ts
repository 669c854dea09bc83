/**
 * Support for end-to-end tests that need no ZooKeeper: an in-process local Mesos on free
 * ports with its own port block, the executor artifact from `dist/` (rebuilt when stale), and
 * an `--ephemeral` scheduler as a separate process. `stop()` stops everything and reports what
 * is left. Test-only.
 *
 * @module
 */
import { createLogger, type Logger } from "../lib/log.ts";
import { ensureExecutorArtifact } from "../lib/localcluster/executor_artifact.ts";
import { killAll, processesUnder } from "../lib/localcluster/leftovers.ts";
import { freePort, freePortBlock } from "../lib/localcluster/ports.ts";
import { type LocalMesos, startLocalMesos } from "../lib/localmesos/cluster.ts";
import type { MasterOptions } from "../lib/localmesos/master/master.ts";
import { AdminApi, SchedulerProcess } from "./scheduler_harness.ts";

const ROOT = new URL("..", import.meta.url).pathname;

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
  const artifact = await ensureExecutorArtifact({ root: ROOT, logger: log });
  const base = freePortBlock(20 * options.agents);
  const mesos = await startLocalMesos({
    masters: 1,
    agents: options.agents,
    port: 0,
    workDir: `${work}/mesos`,
    agentResources: `cpus:4;mem:4096;disk:20000;ports:[${base}-${base + 19}]`,
    logger: createLogger({ level: "warn", fields: { test: options.name, part: "localmesos" } }),
    masterOptions: { heartbeatSeconds: 2, ...options.masterOptions },
  });
  const adminPort = freePort();
  const schedulerLog = `${work}/scheduler.log`;
  const scheduler = new SchedulerProcess([
    `--master=${mesos.masterSpec}`,
    "--ephemeral",
    `--cluster-size=${options.clusterSize}`,
    `--admin-port=${adminPort}`,
    "--artifact-port=0",
    "--address=127.0.0.1",
    `--executor-bin=${artifact.tar}`,
    "--etcd-bin=/usr/bin/etcd",
    "--health-interval=1s",
    "--member-grace-period=10s",
    "--destructive-interval=5s",
    "--sandbox-cpu-limit=0.5",
    "--sandbox-mem-limit=256",
    "--sandbox-disk-limit=256",
    ...(options.schedulerArgs ?? []),
  ], schedulerLog);
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
