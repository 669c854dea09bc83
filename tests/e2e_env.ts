/**
 * The set-up shared by the end-to-end tests: the executor artifact built once into `dist/`
 * (kept up to date by {@linkcode ensureExecutorArtifact}, shared by every test file and
 * process), a local Mesos on a free port block of its own, and the scheduler flags every test
 * starts from. Test-only.
 *
 * @module
 */
import { createLogger, type Logger } from "../lib/log.ts";
import { type EnsuredArtifact, ensureExecutorArtifact } from "../localcluster/executor_artifact.ts";
import { freePortBlock } from "../localcluster/ports.ts";
import { type LocalMesos, startLocalMesos } from "../lib/localmesos/cluster.ts";
import type { MasterOptions } from "../lib/localmesos/master/master.ts";

const ROOT = new URL("..", import.meta.url).pathname;

/** Ports each agent offers (a member takes two). */
export const PORTS_PER_AGENT = 20;

let artifact: Promise<EnsuredArtifact> | undefined;

/**
 * The executor artifact in `dist/`, built when missing or stale; checked once per process
 * (a failed check is retried by the next caller).
 */
export function testExecutorArtifact(logger: Logger): Promise<EnsuredArtifact> {
  artifact ??= ensureExecutorArtifact({ root: ROOT, logger }).catch((e) => {
    artifact = undefined;
    throw e;
  });
  return artifact;
}

/** Options of {@linkcode schedulerFlags}. */
export interface SchedulerFlagsOptions {
  /** `--master`: `host:port` or `zk://…/mesos`. */
  masterSpec: string;
  /** ZooKeeper `host:port`: the framework id persists under `/etcd-mesos`; else `--ephemeral`. */
  zkUrl?: string;
  adminPort: number;
  artifact: EnsuredArtifact;
  clusterSize: number;
  /**
   * `--executor-uri` of the `.tar.gz` (the agents fetch it from its path) instead of the
   * default `--executor-bin` of the uncompressed `.tar` (served by the scheduler).
   */
  executorUri?: boolean;
  /** More flags, after the defaults (so a repeated flag wins). */
  extra?: readonly string[];
}

/**
 * The scheduler flags of an end-to-end test: loopback addresses, a free artifact port,
 * `/usr/bin/etcd`, fast health checks (1 s), a 10 s member grace period, 5 s between
 * destructive actions, and small sandbox limits; then `extra`.
 */
export function schedulerFlags(options: SchedulerFlagsOptions): string[] {
  return [
    `--master=${options.masterSpec}`,
    options.zkUrl === undefined
      ? "--ephemeral"
      : `--zk-framework-persist=zk://${options.zkUrl}/etcd-mesos`,
    `--cluster-size=${options.clusterSize}`,
    `--admin-port=${options.adminPort}`,
    "--artifact-port=0",
    "--address=127.0.0.1",
    options.executorUri
      ? `--executor-uri=${options.artifact.tarball}`
      : `--executor-bin=${options.artifact.tar}`,
    "--etcd-bin=/usr/bin/etcd",
    "--health-interval=1s",
    "--member-grace-period=10s",
    "--destructive-interval=5s",
    "--sandbox-cpu-limit=0.5",
    "--sandbox-mem-limit=256",
    "--sandbox-disk-limit=256",
    ...(options.extra ?? []),
  ];
}

/** Options of {@linkcode startTestMesos}. */
export interface TestMesosOptions {
  /** The test's name (log fields). */
  name: string;
  /** The test's work directory; the local Mesos works in `<work>/mesos`. */
  work: string;
  masters?: number;
  agents: number;
  /** ZooKeeper `host:port`: the masters register (and elect a leader) under `/mesos`. */
  zkUrl?: string;
  /** Merged over `{ heartbeatSeconds: 2 }`. */
  masterOptions?: MasterOptions;
  /** Agents to reserve ports for (default `agents`): for agents started later. */
  portSlots?: number;
}

/** A local Mesos started by {@linkcode startTestMesos}. */
export interface TestMesos {
  mesos: LocalMesos;
  /** Agent 0's resources (later agents: `resourcesForAgent(resources, i)`). */
  resources: string;
  /** The master options used. */
  masterOptions: MasterOptions;
}

/**
 * Starts a local Mesos (in this process) on free ports: each agent offers
 * {@linkcode PORTS_PER_AGENT} ports of a free block reserved for `portSlots` agents.
 */
export async function startTestMesos(options: TestMesosOptions): Promise<TestMesos> {
  const slots = options.portSlots ?? options.agents;
  const base = freePortBlock(PORTS_PER_AGENT * slots);
  const resources = `cpus:4;mem:4096;disk:20000;ports:[${base}-${base + PORTS_PER_AGENT - 1}]`;
  const masterOptions = { heartbeatSeconds: 2, ...options.masterOptions };
  const mesos = await startLocalMesos({
    masters: options.masters ?? 1,
    agents: options.agents,
    port: 0,
    zk: options.zkUrl === undefined ? undefined : `zk://${options.zkUrl}/mesos`,
    workDir: `${options.work}/mesos`,
    agentResources: resources,
    logger: createLogger({ level: "warn", fields: { test: options.name, part: "localmesos" } }),
    masterOptions,
  });
  return { mesos, resources, masterOptions };
}
