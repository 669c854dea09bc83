/**
 * The lifecycle measurements of `deno task bench`, each on real processes: a bare single
 * etcd's start-to-healthy time (the floor), a cold start of the scheduler to a healthy
 * N-member cluster on a fresh local Mesos (the same processes and flags as `deno task
 * start`), and a `kill -9` of one member's etcd to a healthy full cluster again.
 *
 * @module
 */
import type { Logger } from "../lib/log.ts";
import { isReady, SchedulerAdmin } from "../localcluster/admin_client.ts";
import type { ManagedChild } from "../localcluster/child.ts";
import { findOnPath, schedulerLaunch } from "../localcluster/cluster.ts";
import { parseLocalClusterArgs } from "../localcluster/config.ts";
import { killAll, processesUnder } from "../localcluster/leftovers.ts";
import { freePort, freePortBlock } from "../lib/free_ports.ts";
import {
  type LocalMesosProcess,
  pollUntil,
  startLocalMesosProcess,
  startSchedulerProcess,
} from "../localcluster/processes.ts";

const seconds = (fromMs: number) => (performance.now() - fromMs) / 1000;

/** Seconds from spawning one etcd (default flags, as members run) to `/health` true. */
export async function measureBareEtcd(): Promise<number> {
  const dir = await Deno.makeTempDir({ prefix: "bench-etcd-" });
  const client = `http://127.0.0.1:${freePort()}`;
  const peer = `http://127.0.0.1:${freePort()}`;
  const t0 = performance.now();
  const child = new Deno.Command(findOnPath("etcd") ?? "/usr/bin/etcd", {
    args: [
      "--name=floor",
      `--data-dir=${dir}/data`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=floor=${peer}`,
      "--initial-cluster-state=new",
      `--initial-cluster-token=floor-${crypto.randomUUID()}`,
      "--logger=zap",
      "--log-outputs=stderr",
    ],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    return await pollUntil("a bare etcd to answer /health", async () => {
      const res = await fetch(`${client}/health`, { signal: AbortSignal.timeout(1000) });
      const body = await res.json();
      return res.ok && body.health === "true" ? seconds(t0) : undefined;
    }, { timeoutMs: 30_000, intervalMs: 20 });
  } finally {
    child.kill("SIGKILL");
    await child.status;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** A cluster started by {@linkcode coldStart}. */
export interface BenchCluster {
  size: number;
  work: string;
  admin: SchedulerAdmin;
  mesos: LocalMesosProcess;
  scheduler: ManagedChild;
  /** Stops everything; resolves with the number of processes that had to be killed after. */
  stop(): Promise<number>;
}

/**
 * Starts a local Mesos with `size` agents (not timed), then the scheduler (with
 * `schedulerFlags` besides the local cluster's), and measures seconds until `/healthz` is 200
 * with `size` running, reachable voting members.
 */
export async function coldStart(
  size: number,
  log: Logger,
  schedulerFlags: readonly string[] = [],
): Promise<{ seconds: number; cluster: BenchCluster }> {
  const work = await Deno.realPath(await Deno.makeTempDir({ prefix: "etcd-mesos-bench-" }));
  const config = parseLocalClusterArgs([
    "--agents",
    String(size),
    `--cluster-size=${size}`,
    "--admin-port=0",
    "--artifact-port=0",
    ...schedulerFlags,
  ]);
  const launch = await schedulerLaunch(config, log);
  const base = freePortBlock(20 * size);
  const mesos = await startLocalMesosProcess({
    agents: size,
    port: 0,
    workDir: `${work}/mesos`,
    agentResources: `cpus:4;mem:4096;disk:20000;ports:[${base}-${base + 19}]`,
    logFile: `${work}/localmesos.log`,
  });
  const t0 = performance.now();
  const scheduler = startSchedulerProcess(
    [`--master=${mesos.masterSpec}`, ...launch.args],
    `${work}/scheduler.log`,
  );
  const admin = new SchedulerAdmin(launch.adminUrl);
  const cluster: BenchCluster = {
    size,
    work,
    admin,
    mesos,
    scheduler,
    stop: async () => {
      await scheduler.stop(20_000);
      await mesos.child.stop(20_000);
      const left = await processesUnder(work);
      killAll(left);
      if (left.length === 0) await Deno.remove(work, { recursive: true }).catch(() => {});
      else log.warn("processes left after a bench run (killed)", { work, pids: left.length });
      return left.length;
    },
  };
  try {
    const s = await pollUntil(`a healthy cluster of ${size}`, async () => {
      return isReady(await admin.snapshot(), size) ? seconds(t0) : undefined;
    }, { timeoutMs: 240_000, intervalMs: 100, children: [scheduler, mesos.child] });
    return { seconds: s, cluster };
  } catch (e) {
    log.error("cold start failed", { work, scheduler: await scheduler.logTail(3000) });
    await cluster.stop();
    throw e;
  }
}

async function etcdServing(work: string, clientPort: number): Promise<number[]> {
  const re = new RegExp(`--listen-client-urls=http://[^ ]*:${clientPort}( |$)`);
  return (await processesUnder(work))
    .filter((p) => /(^|\/)etcd /.test(p.command) && re.test(p.command))
    .map((p) => p.pid);
}

function processGroupOf(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
}

/** What {@linkcode repairOnce} kills: one etcd, or its executor's whole process group. */
export type Victim = "etcd" | "executor";

/**
 * `kill -9` of a non-leader member's etcd (or of its executor with the etcd under it) in a
 * ready cluster; seconds until the scheduler reports the full cluster healthy again on a probe
 * made after the member was restarted by its executor, relaunched in place (on its persistent
 * volume) or replaced. Also says which happened.
 */
export async function repairOnce(
  c: BenchCluster,
  victimKind: Victim = "etcd",
): Promise<{ seconds: number; how: string }> {
  const before = await c.admin.snapshot();
  if (!isReady(before, c.size)) {
    throw new Error("Cannot measure a repair: the cluster is not ready");
  }
  const victim = before.members.find((m) => !m.leader) ?? before.members[0]!;
  const pids = await etcdServing(c.work, victim.clientPort);
  if (pids.length !== 1) {
    throw new Error(`Expected one etcd on port ${victim.clientPort}, found ${pids.length}`);
  }
  const t0 = performance.now();
  if (victimKind === "etcd") Deno.kill(pids[0]!, "SIGKILL");
  else Deno.kill(-processGroupOf(pids[0]!), "SIGKILL");
  const opts = { timeoutMs: 180_000, intervalMs: 100, children: [c.scheduler, c.mesos.child] };
  const { how, probes } = await pollUntil(`${victim.name} restarted or replaced`, async () => {
    const stats = await c.admin.stats();
    if (victimKind === "etcd") {
      const now = await etcdServing(c.work, victim.clientPort);
      if (now.length === 1 && now[0] !== pids[0]) {
        return { how: "restarted by its executor", probes: stats.probes };
      }
    }
    const members = await c.admin.members();
    if (!members.some((m) => m.taskId === victim.taskId)) {
      // A member on a persistent volume comes back under its name on its agent.
      const same = members.some((m) => m.name === victim.name && m.agentId === victim.agentId);
      return { how: same ? "relaunched in place" : "replaced", probes: stats.probes };
    }
    return undefined;
  }, opts);
  const s = await pollUntil(`a healthy cluster of ${c.size} again`, async () => {
    const snap = await c.admin.snapshot();
    return snap.stats.probes > probes && isReady(snap, c.size) ? seconds(t0) : undefined;
  }, opts);
  return { seconds: s, how };
}
