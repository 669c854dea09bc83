/**
 * `deno task start`: the executor artifact (rebuilt offline when stale), the local Mesos and
 * the scheduler as separate processes, progress while the etcd cluster comes up, the ready
 * endpoints, and — on stop — everything stopped in order (scheduler, then the local Mesos,
 * which kills every executor's process group) and checked: no process is left in the work
 * directory.
 *
 * @module
 */
import type { Logger } from "../lib/log.ts";
import { endpointsOf, SchedulerAdmin } from "./admin_client.ts";
import type { ManagedChild } from "./child.ts";
import type { LocalClusterConfig } from "./config.ts";
import { ensureExecutorArtifact } from "./executor_artifact.ts";
import { killAll, processesUnder } from "./leftovers.ts";
import { freePort } from "../lib/free_ports.ts";
import {
  ChildExitedError,
  pollUntil,
  ROOT,
  startLocalMesosProcess,
  startSchedulerProcess,
  StoppedError,
} from "./processes.ts";
import { describe, ProgressTracker } from "./progress.ts";
import { etcdctlLine, prepareLocalTls, writeClientCertificate } from "./tls_client.ts";

/** Injection points of {@linkcode runLocalCluster}. */
export interface RunLocalClusterOptions {
  logger: Logger;
  /** Writes the ready block for the operator (stdout). */
  print: (text: string) => void;
  /** Aborting it stops everything (SIGINT/SIGTERM). */
  signal: AbortSignal;
  /** How long the cluster may take to become ready (default 180 s). */
  readyTimeoutMs?: number;
}

/** Where `name` is on `PATH`, if anywhere. */
export function findOnPath(name: string, path = Deno.env.get("PATH") ?? ""): string | undefined {
  for (const dir of path.split(":").filter((d) => d !== "")) {
    try {
      const info = Deno.statSync(`${dir}/${name}`);
      if (info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0) return `${dir}/${name}`;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * The lines printed once the cluster is ready; `etcdctl` replaces the plain `etcdctl` line
 * (with TLS: the client certificate's flags).
 */
export function readyText(
  endpoints: readonly string[],
  adminUrl: string,
  logDir: string,
  etcdctl = `etcdctl --endpoints=${endpoints.join(",")} endpoint health`,
): string {
  const list = endpoints.join(",");
  return [
    `etcd cluster ready: ${endpoints.length} members`,
    `  endpoints: ${list}`,
    `  try:       ${etcdctl}`,
    `  admin:     ${adminUrl}/  (/healthz /members /stats /metrics)`,
    `  logs:      ${logDir}`,
    "Press Ctrl-C to stop everything.",
    "",
  ].join("\n");
}

/** The scheduler's flags (without `--master`) and where its admin API will be. */
export interface SchedulerLaunch {
  args: string[];
  /** e.g. `http://127.0.0.1:23400` */
  adminUrl: string;
}

/**
 * Completes the scheduler's flags: the executor artifact (built when missing or stale) and
 * etcd unless the user chose them, and a concrete admin port when it was 0.
 */
export async function schedulerLaunch(
  config: LocalClusterConfig,
  log: Logger,
): Promise<SchedulerLaunch> {
  const args = [...config.schedulerArgs];
  if (!config.executorGiven) {
    const artifact = await ensureExecutorArtifact({ root: ROOT, logger: log });
    args.push(`--executor-bin=${artifact.tar}`);
  }
  if (!config.etcdGiven) args.push(`--etcd-bin=${findOnPath("etcd") ?? "/usr/bin/etcd"}`);
  // The artifact server's default port (12300) would collide between parallel clusters.
  if (!config.schedulerArgs.some((a) => /^--?artifact-port(=|$)/.test(a))) {
    args.push(`--artifact-port=${freePort()}`);
  }
  let adminPort = config.scheduler.adminPort;
  if (adminPort === 0) args.push(`--admin-port=${adminPort = freePort()}`);
  const adminHost = /^(0\.0\.0\.0|::|\[::\])$/.test(config.scheduler.adminAddress)
    ? "127.0.0.1"
    : config.scheduler.adminAddress;
  return { args, adminUrl: `http://${adminHost}:${adminPort}` };
}

/** Runs a local cluster until `options.signal` aborts; resolves with the exit code. */
export async function runLocalCluster(
  config: LocalClusterConfig,
  options: RunLocalClusterOptions,
): Promise<number> {
  const log = options.logger;
  const ownWorkDir = config.workDir === undefined;
  const workDir = config.workDir ??
    await Deno.makeTempDir({ prefix: "etcd-mesos-local-" });
  await Deno.mkdir(`${workDir}/logs`, { recursive: true });
  const work = await Deno.realPath(workDir);
  const logDir = `${work}/logs`;
  const children: ManagedChild[] = [];
  let failed = false;
  try {
    const { args, adminUrl } = await schedulerLaunch(config, log);
    const tls = config.scheduler.tls.enabled
      ? await prepareLocalTls(config.scheduler, config.schedulerArgs, work)
      : undefined;
    if (tls) args.push(...tls.args);
    log.info("starting the local Mesos", { agents: config.agents, workDir: work });
    const mesos = await startLocalMesosProcess({
      agents: config.agents,
      port: config.mesosPort,
      workDir: `${work}/mesos`,
      agentResources: config.agentResources,
      logFile: `${logDir}/localmesos.log`,
      signal: options.signal,
    });
    children.push(mesos.child);
    log.info("local Mesos up", { master: mesos.masterSpec, pid: mesos.child.pid });

    const scheduler = startSchedulerProcess(
      [`--master=${mesos.masterSpec}`, ...args],
      `${logDir}/scheduler.log`,
    );
    children.unshift(scheduler);
    const size = config.scheduler.clusterSize;
    log.info("scheduler started", { pid: scheduler.pid, clusterSize: size, admin: adminUrl });

    const admin = new SchedulerAdmin(adminUrl);
    const progress = new ProgressTracker(size);
    const watch = async () => {
      const snap = await admin.snapshot();
      for (const e of progress.next(snap)) {
        log.info(describe(e));
        if (e.kind === "ready") {
          const endpoints = endpointsOf(e.members, tls !== undefined);
          const client = tls ? await writeClientCertificate(adminUrl, tls.token, work) : undefined;
          const etcdctl = client ? etcdctlLine(endpoints, client) : undefined;
          options.print(readyText(endpoints, adminUrl, logDir, etcdctl));
        }
      }
      return progress.everReady ? true : undefined;
    };
    await pollUntil(`a healthy cluster of ${size} members at ${adminUrl}`, watch, {
      timeoutMs: options.readyTimeoutMs ?? 180_000,
      intervalMs: 250,
      children,
      signal: options.signal,
    });
    // Ready: keep reporting changes until stopped.
    await pollUntil("a stop request", async () => {
      await watch().catch(() => {});
      return undefined;
    }, { timeoutMs: Number.MAX_SAFE_INTEGER, intervalMs: 1000, children, signal: options.signal })
      .catch((e) => {
        if (!(e instanceof StoppedError)) throw e;
      });
    return 0;
  } catch (e) {
    if (e instanceof StoppedError) return 0;
    failed = true;
    log.error((e as Error).message);
    if (e instanceof ChildExitedError) log.error(`last lines of the ${e.child} log:\n${e.logTail}`);
    return 1;
  } finally {
    const left = await stopAll(children, work, log);
    if (left > 0) failed = true;
    if (ownWorkDir && !failed) {
      await Deno.remove(work, { recursive: true }).catch(() => {});
    } else {
      log.info("work directory kept", { workDir: work });
    }
  }
}

/** Stops the children in order, then kills and reports anything left in `work`. */
async function stopAll(children: ManagedChild[], work: string, log: Logger): Promise<number> {
  if (children.length > 0) log.info("stopping everything");
  for (const c of children) {
    const status = await c.stop(20_000);
    log.info(`${c.name} stopped`, { pid: c.pid, code: status.code, signal: status.signal });
  }
  let left = await processesUnder(work);
  if (left.length > 0) {
    log.warn("processes left after stopping; killing them", {
      pids: left.map((p) => p.pid),
      commands: left.map((p) => p.command.slice(0, 120)),
    });
    killAll(left);
    await new Promise((r) => setTimeout(r, 500));
    left = await processesUnder(work);
  }
  if (left.length > 0) {
    log.error("processes still running", { pids: left.map((p) => p.pid) });
  } else if (children.length > 0) {
    log.info("everything stopped; no process left", { workDir: work });
  }
  return left.length;
}
