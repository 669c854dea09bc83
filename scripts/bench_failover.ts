/**
 * The failover measurements of `deno task bench` (issue 4), on the chaos environment's real
 * processes (ZooKeeper, two local masters, 3 agents, the scheduler persisting its framework
 * id, `--reseed-timeout=5s`), each repeated on one environment:
 * - quorum loss (2 of 3 executors killed, left dead) → a healthy full cluster again, reported
 *   as the time beyond `--reseed-timeout` (the wait the operator asked for is not counted);
 * - scheduler `kill -9` and restart → reconciled with every member adopted (same tasks) and
 *   the cluster healthy;
 * - leading master killed → the scheduler re-subscribed to the new leader and reconciled.
 *
 * @module
 */
import type { Logger } from "../lib/log.ts";
import { until } from "../lib/until.ts";
import { type ChaosEnvironment, startChaosEnvironment } from "./chaos/environment.ts";
import { scenario, type ScenarioResult, summarize } from "./bench_stats.ts";

/** The environment's `--reseed-timeout`, in seconds (see `scripts/chaos/environment.ts`). */
export const RESEED_TIMEOUT_S = 5;

/** etcd's strict reconfiguration check wants every peer connected for 5 s before an add. */
const STEADY_MS = 6000;
const MEMBERS = 3;

const since = (t0: number) => (performance.now() - t0) / 1000;

/** Task ids of the members when a probe made after `minProbes` finds all of them healthy. */
async function healthyFull(env: ChaosEnvironment, minProbes: number): Promise<string[]> {
  return await until(async () => {
    const stats = await env.admin.stats();
    if (stats.probes <= minProbes || stats.healthy !== 1 || stats.mutable !== 1) return undefined;
    const ms = await env.admin.members();
    const good = ms.filter((m) => m.taskState === "TASK_RUNNING" && m.healthy && !m.learner);
    return ms.length === MEMBERS && good.length === MEMBERS
      ? ms.map((m) => m.taskId).sort()
      : undefined;
  }, { timeoutMs: 180_000, what: `a healthy cluster of ${MEMBERS}`, intervalMs: 100 });
}

/** Kills 2 of 3 executors; seconds to a healthy full cluster, minus the reseed timeout. */
async function quorumLoss(env: ChaosEnvironment): Promise<number> {
  const members = await env.admin.members();
  const reseeds = (await env.admin.stats()).cluster_reseeds;
  const victims = members.filter((m) => !m.leader).slice(0, 1).concat(
    members.filter((m) => m.leader),
  );
  const t0 = performance.now();
  for (const v of victims) {
    const agent = env.agents.find((a) => a.id === v.agentId);
    if (!agent?.killExecutor(`etcd-executor-${v.name}-${v.rpcPort}`)) {
      throw new Error(`Cannot kill the executor of ${v.name} on agent ${v.agentId}`);
    }
  }
  const probes = await until(async () => {
    const s = await env.admin.stats();
    return s.cluster_reseeds > reseeds && s.reseeding === 0 ? s.probes : undefined;
  }, { timeoutMs: 180_000, what: "a reseed", intervalMs: 100 });
  await healthyFull(env, probes);
  return since(t0) - RESEED_TIMEOUT_S;
}

/** SIGKILLs the scheduler and starts it again; seconds until every member is adopted. */
async function schedulerRestart(env: ChaosEnvironment): Promise<number> {
  const before = (await env.admin.members()).map((m) => m.taskId).sort();
  const t0 = performance.now();
  await env.restartScheduler();
  const after = await healthyFull(env, 0);
  if (after.join() !== before.join()) {
    throw new Error(`Members changed across a restart: ${before} -> ${after}`);
  }
  return since(t0);
}

/** Kills the leading master; seconds until re-subscribed to the new one and reconciled. */
async function masterFailover(env: ChaosEnvironment): Promise<number> {
  const before = await env.admin.stats();
  const t0 = performance.now();
  await env.killLeadingMaster();
  return await until(async () => {
    const s = await env.admin.stats();
    return s.subscriptions > before.subscriptions &&
        s.reconciliations > before.reconciliations && s.mutable === 1
      ? since(t0)
      : undefined;
  }, { timeoutMs: 120_000, what: "re-subscribed and reconciled", intervalMs: 100 });
}

/** Samples per scenario. */
export interface FailoverReps {
  quorumLoss: number;
  restart: number;
  masterFailover: number;
}

/** What {@linkcode benchFailover} measured, and processes left after stopping. */
export interface FailoverResult {
  rows: ScenarioResult[];
  leftovers: number;
}

/**
 * Starts one chaos environment of 3 members, measures each scenario `reps` times (waiting for
 * a steady cluster between samples), stops it, and returns rows relative to `floorMedian`.
 */
export async function benchFailover(
  reps: FailoverReps,
  floorMedian: number,
  log: Logger,
): Promise<FailoverResult> {
  const env = await startChaosEnvironment({ members: MEMBERS, agents: MEMBERS, logger: log });
  const samples = { loss: [] as number[], restart: [] as number[], master: [] as number[] };
  let leftovers = 0;
  try {
    await healthyFull(env, 0);
    const steady = async () => {
      await healthyFull(env, (await env.admin.stats()).probes);
      await new Promise((r) => setTimeout(r, STEADY_MS));
    };
    for (let i = 0; i < reps.restart; i++) {
      await steady();
      samples.restart.push(await schedulerRestart(env));
      log.info("scheduler restart", { seconds: samples.restart.at(-1)!.toFixed(2) });
    }
    for (let i = 0; i < reps.masterFailover; i++) {
      await steady();
      samples.master.push(await masterFailover(env));
      log.info("master failover", { seconds: samples.master.at(-1)!.toFixed(2) });
    }
    for (let i = 0; i < reps.quorumLoss; i++) {
      await steady();
      samples.loss.push(await quorumLoss(env));
      log.info("quorum loss", { secondsBeyondTimeout: samples.loss.at(-1)!.toFixed(2) });
    }
  } catch (e) {
    const tail = await env.schedulerLogText();
    log.error("failover bench failed", { scheduler: tail.slice(-4000) });
    throw e;
  } finally {
    leftovers = (await env.stop()).left.length;
  }
  const rows: ScenarioResult[] = [];
  const add = (name: string, xs: number[]) => {
    if (xs.length > 0) rows.push(scenario(name, summarize(xs), floorMedian));
  };
  add(`quorum loss (2 of 3) -> healthy, beyond ${RESEED_TIMEOUT_S}s timeout`, samples.loss);
  add("scheduler kill -9 + restart -> all adopted", samples.restart);
  add("leading master killed -> resubscribed+reconciled", samples.master);
  return { rows, leftovers };
}
