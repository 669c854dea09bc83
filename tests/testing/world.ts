/**
 * The one end-to-end fixture: {@linkcode withWorld} starts what a test needs — a real
 * ZooKeeper when asked, a local Mesos (masters and agents, in this process), the executor
 * artifact, and schedulers as separate processes — on ports and in a work directory of the
 * test's own (so end-to-end files run side by side under `deno test --parallel`), hands the
 * test a {@linkcode World}, and always stops everything it started, even when the test
 * fails. Tests assert through the schedulers' admin API ({@linkcode AdminClient}), not by
 * reading their logs; the logs are printed when a test fails.
 *
 * @example
 * ```ts
 * Deno.test("three members come up", () =>
 *   withWorld({ name: "three", agents: 3 }, async (world) => {
 *     const members = await world.admin.waitHealthy(3, 90_000);
 *     assert.equal((await world.admin.stats()).launched_servers, 3);
 *   }));
 * ```
 *
 * Set `KEEP_WORK=1` to keep the work directory (logs, sandboxes).
 *
 * @module
 */
import assert from "node:assert/strict";
import { createLogger, type Logger } from "../../lib/log.ts";
import {
  type LocalMesos,
  resourcesForAgent,
  startLocalMesos,
} from "../../lib/localmesos/cluster.ts";
import {
  createLocalAgent,
  type LocalAgent,
  type LocalAgentTuning,
} from "../../lib/localmesos/agent/agent.ts";
import {
  createLocalMaster,
  type LocalMaster,
  type MasterOptions,
} from "../../lib/localmesos/master/master.ts";
import { createMasterDetector, type MasterDetector } from "../../lib/mesos/master_detector.ts";
import { startZooKeeper, type ZooKeeperServer } from "../../lib/zk/testing/zookeeper_server.ts";
import {
  type EnsuredArtifact,
  ensureExecutorArtifact,
} from "../../localcluster/executor_artifact.ts";
import { killAll, processesUnder } from "../../localcluster/leftovers.ts";
import { freePort, freePortBlock } from "../../lib/free_ports.ts";
import type { MemberView } from "../../scheduler/core/views.ts";
import { AdminClient } from "./admin.ts";
import { etcdPids, pidsByMember, ProgramProcess } from "./processes.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

/** Ports each agent offers (a member takes two). */
export const PORTS_PER_AGENT = 20;

/** Options of {@linkcode withWorld} and {@linkcode startWorld}. */
export interface WorldOptions {
  /** The test's name: log fields, work directory prefix, scheduler log names. */
  name: string;
  /** Agents at the start. */
  agents: number;
  /** Masters (default 1); more than one needs `zookeeper`. */
  masters?: number;
  /**
   * A real ZooKeeper (default false): the masters register and elect a leader under
   * `/mesos` (schedulers find them with `--master=zk://…/mesos`), and schedulers persist the
   * framework id and take the leader lock under `/etcd-mesos`. Without it the scheduler is
   * `--ephemeral` against the single master.
   */
  zookeeper?: boolean;
  /** Start a scheduler right away (default true); otherwise call `startScheduler()`. */
  scheduler?: boolean;
  /** `--cluster-size` (default 3). */
  clusterSize?: number;
  /** More scheduler flags, after the defaults (so a repeated flag wins). */
  schedulerFlags?: readonly string[];
  /**
   * `--executor-uri` of the `.tar.gz` (the agents fetch it from its path) instead of the
   * default `--executor-bin` of the uncompressed `.tar` (served by the scheduler).
   */
  executorUri?: boolean;
  /** Merged over `{ heartbeatSeconds: 2 }`. */
  masterOptions?: MasterOptions;
  agentTuning?: LocalAgentTuning;
  /**
   * Hold every seed (an etcd started with `--force-new-cluster`) until
   * {@linkcode World.releaseSeeds}: agents get a wrapper of `/usr/bin/etcd` that waits for
   * the release before it runs a seed. A test can then act while a seed is ordered but
   * cannot be healthy yet, without racing the seed.
   */
  holdSeeds?: boolean;
  /** Agents to reserve ports for (default `agents`): room for `replaceAgent()`. */
  portSlots?: number;
  /** Default: an info logger with the test's name. */
  logger?: Logger;
  /** Keep the work directory (default: `KEEP_WORK` is set). */
  keep?: boolean;
}

/** A scheduler process of the world. */
export interface Scheduler {
  /** `1`, `2`, … or the name given to `startScheduler()`. */
  readonly name: string;
  readonly admin: AdminClient;
  /** `127.0.0.1:<admin port>`: how the leader lock names it. */
  readonly id: string;
  readonly args: readonly string[];
  readonly process: ProgramProcess;
  /** SIGKILL: no cleanup; its ZooKeeper sessions expire. Resolves with 137. */
  kill(): Promise<number>;
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number>;
}

/** What {@linkcode World.stop} found. */
export interface WorldStopped {
  /** Exit codes of the schedulers still running at the stop (SIGTERM), by name. */
  schedulerExits: Record<string, number>;
  /** Pids of processes left in the work directory (killed). */
  left: number[];
}

/** Everything a test runs against; see {@linkcode withWorld}. */
export interface World {
  readonly name: string;
  /** The test's own work directory (real path). */
  readonly work: string;
  readonly log: Logger;
  /** Logs a step with the time since the previous one. */
  mark(what: string): void;
  readonly zk: ZooKeeperServer | undefined;
  readonly mesos: LocalMesos;
  /** `--master` of the schedulers: `zk://…/mesos` or the master's `host:port`. */
  readonly masterSpec: string;
  /** The masters running now. */
  readonly masters: readonly LocalMaster[];
  /** The agents running now. */
  readonly agents: readonly LocalAgent[];
  /** The leading master, if any. */
  leader(): LocalMaster | undefined;
  /** Every scheduler started, oldest first. */
  readonly schedulers: readonly Scheduler[];
  /** The scheduler started last. */
  readonly scheduler: Scheduler;
  /** Its admin API. */
  readonly admin: AdminClient;
  /** Starts a scheduler on a port of its own, logging to `<work>/scheduler-<name>.log`. */
  startScheduler(options?: { name?: string; flags?: readonly string[] }): Scheduler;
  /** SIGKILLs the last scheduler and starts another with the same flags. */
  restartScheduler(): Promise<Scheduler>;
  /** Stops the leading master (a standby takes over) and starts a new standby. */
  killLeadingMaster(): Promise<string>;
  /** Stops agent `agentId` (its executors die with it) and starts a fresh agent instead. */
  replaceAgent(agentId: string): Promise<void>;
  /**
   * The next agent slot: its index, work directory (created) and resources (its own slice of
   * the reserved ports), for an agent started outside the world (e.g. as a process).
   */
  reserveAgentSlot(): Promise<{ index: number; workDir: string; resources: string }>;
  /** Runs `cleanup` at the stop, after the schedulers stopped and before the local Mesos. */
  defer(cleanup: () => Promise<unknown>): void;
  /** The agent running `member`. */
  agentOf(member: MemberView): LocalAgent;
  /** Kills `member`'s executor (SIGKILL); its etcd dies with it. */
  killExecutor(member: MemberView): void;
  /** The pid of `member`'s executor process. */
  executorPid(member: MemberView): number;
  /** The pid of `member`'s etcd process. */
  etcdPid(member: MemberView): Promise<number>;
  /** The etcd pids listening on client port `port`. */
  etcdPids(port: number): Promise<number[]>;
  /** Each member's etcd pids, by name. */
  pidsByMember(members: readonly MemberView[]): Promise<Record<string, number[]>>;
  /** Lets held seeds start (see {@linkcode WorldOptions.holdSeeds}). */
  releaseSeeds(): Promise<void>;
  /** SIGSTOPs `pid`; it is thawed (SIGCONT) at the stop if still frozen. */
  freeze(pid: number): void;
  /** SIGCONTs a frozen `pid`. */
  thaw(pid: number): void;
  /** A file in the work directory whose tail is printed when the test fails. */
  logFile(name: string): string;
  /** Prints the tails of every log (schedulers first). */
  dumpLogs(chars?: number): Promise<void>;
  /** Stops everything, kills what is left in the work directory, removes it. Idempotent. */
  stop(): Promise<WorldStopped>;
}

let artifact: Promise<EnsuredArtifact> | undefined;

const SEED_GATE = "seeds-released";

/** Writes `<work>/bin/etcd`: `/usr/bin/etcd`, holding seeds until the gate file exists. */
async function writeSeedGate(work: string): Promise<string> {
  const bin = `${work}/bin/etcd`;
  await Deno.mkdir(`${work}/bin`, { recursive: true });
  await Deno.writeTextFile(
    bin,
    [
      "#!/bin/sh",
      "# etcd for a world with held seeds: a seed waits until the test releases it.",
      'for a in "$@"; do',
      '  case "$a" in --force-new-cluster|--force-new-cluster=true)',
      `    while [ ! -e '${work}/${SEED_GATE}' ]; do sleep 0.05; done;;`,
      "  esac",
      "done",
      'exec /usr/bin/etcd "$@"',
      "",
    ].join("\n"),
  );
  await Deno.chmod(bin, 0o755);
  return bin;
}

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

/**
 * Runs `test` against a new world and stops the world afterwards, whatever happens. When
 * `test` fails, the logs are printed and its error is rethrown. When it succeeds, every
 * scheduler still running must stop cleanly on SIGTERM (exit 0) and no process may be left
 * in the work directory.
 */
export async function withWorld<T>(
  options: WorldOptions,
  test: (world: World) => Promise<T>,
): Promise<T> {
  const world = await startWorld(options);
  let result: T;
  let stopped: WorldStopped;
  try {
    result = await test(world);
  } catch (e) {
    await world.dumpLogs().catch(() => {});
    throw e;
  } finally {
    stopped = await world.stop();
    world.mark("everything stopped");
  }
  for (const [name, code] of Object.entries(stopped.schedulerExits)) {
    assert.equal(code, 0, `scheduler ${name} stops gracefully on SIGTERM`);
  }
  assert.deepEqual(stopped.left, [], "no process of this test is left");
  return result;
}

/** Starts a world; the caller must `stop()` it (prefer {@linkcode withWorld}). */
export async function startWorld(options: WorldOptions): Promise<World> {
  const log = options.logger ?? createLogger({ level: "info", fields: { test: options.name } });
  const work = await Deno.realPath(
    await Deno.makeTempDir({ prefix: `etcd-mesos-${options.name}-` }),
  );
  const undo: (() => Promise<unknown>)[] = [
    () => Deno.remove(work, { recursive: true }),
  ];
  try {
    const built = testExecutorArtifact(log);
    const zk = options.zookeeper ? await startZooKeeper() : undefined;
    if (zk) undo.push(() => zk.stop());
    const slots = options.portSlots ?? options.agents;
    const base = freePortBlock(PORTS_PER_AGENT * Math.max(1, slots));
    const resources = `cpus:4;mem:4096;disk:20000;ports:[${base}-${base + PORTS_PER_AGENT - 1}]`;
    const masterOptions = { heartbeatSeconds: 2, ...options.masterOptions };
    const mesos = await startLocalMesos({
      masters: options.masters ?? 1,
      agents: options.agents,
      port: 0,
      zk: zk === undefined ? undefined : `zk://${zk.url}/mesos`,
      workDir: `${work}/mesos`,
      agentResources: resources,
      logger: createLogger({ level: "warn", fields: { test: options.name, part: "localmesos" } }),
      masterOptions,
      agentTuning: options.agentTuning,
    });
    const etcdBin = options.holdSeeds ? await writeSeedGate(work) : "/usr/bin/etcd";
    const world = new LocalWorld({
      etcdBin,
      options,
      log,
      work,
      zk,
      mesos,
      artifact: await built,
      resources,
      masterOptions,
    });
    if (options.scheduler ?? true) world.startScheduler();
    return world;
  } catch (e) {
    for (const step of undo.reverse()) await step().catch(() => {});
    throw e;
  }
}

class LocalWorld implements World {
  readonly name: string;
  readonly work: string;
  readonly log: Logger;
  readonly zk: ZooKeeperServer | undefined;
  readonly mesos: LocalMesos;
  readonly masterSpec: string;
  readonly #options: WorldOptions;
  readonly #artifact: EnsuredArtifact;
  readonly #resources: string;
  readonly #masterOptions: MasterOptions;
  readonly #etcdBin: string;
  readonly #schedulers: Scheduler[] = [];
  readonly #frozen = new Set<number>();
  readonly #logs: string[] = [];
  readonly #deferred: (() => Promise<unknown>)[] = [];
  #masters: LocalMaster[];
  #agents: LocalAgent[];
  #agentIndex: number;
  #detector: MasterDetector | undefined;
  #stopped: Promise<WorldStopped> | undefined;
  readonly #t0 = Date.now();
  #lastMark = Date.now();

  constructor(init: {
    options: WorldOptions;
    log: Logger;
    work: string;
    zk: ZooKeeperServer | undefined;
    mesos: LocalMesos;
    artifact: EnsuredArtifact;
    resources: string;
    masterOptions: MasterOptions;
    etcdBin: string;
  }) {
    this.#etcdBin = init.etcdBin;
    this.#options = init.options;
    this.name = init.options.name;
    this.log = init.log;
    this.work = init.work;
    this.zk = init.zk;
    this.mesos = init.mesos;
    this.masterSpec = init.mesos.masterSpec;
    this.#artifact = init.artifact;
    this.#resources = init.resources;
    this.#masterOptions = init.masterOptions;
    this.#masters = [...init.mesos.masters];
    this.#agents = [...init.mesos.agents];
    this.#agentIndex = this.#agents.length;
  }

  mark(what: string): void {
    const now = Date.now();
    this.log.info(what, { stepMs: now - this.#lastMark, totalMs: now - this.#t0 });
    this.#lastMark = now;
  }

  get masters(): readonly LocalMaster[] {
    return this.#masters;
  }

  get agents(): readonly LocalAgent[] {
    return this.#agents;
  }

  leader(): LocalMaster | undefined {
    return this.#masters.find((m) => m.isLeader());
  }

  get schedulers(): readonly Scheduler[] {
    return this.#schedulers;
  }

  get scheduler(): Scheduler {
    const s = this.#schedulers.at(-1);
    if (s === undefined) throw new Error("No scheduler was started in this world");
    return s;
  }

  get admin(): AdminClient {
    return this.scheduler.admin;
  }

  /** The default flags of every scheduler, then the world's, then `extra`. */
  #flags(adminPort: number, extra: readonly string[]): string[] {
    const o = this.#options;
    return [
      `--master=${this.masterSpec}`,
      this.zk === undefined
        ? "--ephemeral"
        : `--zk-framework-persist=zk://${this.zk.url}/etcd-mesos`,
      `--cluster-size=${o.clusterSize ?? 3}`,
      `--admin-port=${adminPort}`,
      "--artifact-port=0",
      "--address=127.0.0.1",
      o.executorUri
        ? `--executor-uri=${this.#artifact.tarball}`
        : `--executor-bin=${this.#artifact.tar}`,
      `--etcd-bin=${this.#etcdBin}`,
      "--health-interval=1s",
      "--member-grace-period=10s",
      "--destructive-interval=5s",
      "--sandbox-cpu-limit=0.5",
      "--sandbox-mem-limit=256",
      "--sandbox-disk-limit=256",
      ...(o.schedulerFlags ?? []),
      ...extra,
    ];
  }

  startScheduler(options: { name?: string; flags?: readonly string[] } = {}): Scheduler {
    const adminPort = freePort();
    return this.#spawn(options.name, this.#flags(adminPort, options.flags ?? []), adminPort);
  }

  #spawn(name: string | undefined, args: readonly string[], adminPort: number): Scheduler {
    if (this.#stopped) throw new Error("The world is stopped");
    const n = name ?? String(this.#schedulers.length + 1);
    const logFile = `${this.work}/scheduler-${n}.log`;
    const process = new ProgramProcess("scheduler/main.ts", args, logFile);
    const scheduler: Scheduler = {
      name: n,
      admin: new AdminClient(adminPort),
      id: `127.0.0.1:${adminPort}`,
      args,
      process,
      kill: () => process.kill(),
      stop: () => process.stop(),
    };
    this.#schedulers.push(scheduler);
    return scheduler;
  }

  async restartScheduler(): Promise<Scheduler> {
    const last = this.scheduler;
    await last.kill();
    return this.#spawn(undefined, last.args, last.admin.port);
  }

  async killLeadingMaster(): Promise<string> {
    if (this.zk === undefined) throw new Error("A master failover needs zookeeper: true");
    const leader = this.leader();
    if (!leader) throw new Error("No leading master to kill");
    await leader.stop();
    this.#masters = this.#masters.filter((m) => m !== leader);
    this.#masters.push(
      await createLocalMaster({
        port: 0,
        zk: `zk://${this.zk.url}/mesos`,
        logger: createLogger({ level: "warn", fields: { test: this.name, part: "localmesos" } }),
        options: this.#masterOptions,
      }),
    );
    return leader.url;
  }

  async replaceAgent(agentId: string): Promise<void> {
    const agent = this.#agents.find((a) => a.id === agentId);
    if (!agent) throw new Error(`No running agent ${agentId}`);
    const { index: i, workDir, resources } = await this.reserveAgentSlot();
    await agent.stop();
    this.#agents = this.#agents.filter((a) => a !== agent);
    let master: string | (() => Promise<URL | undefined>) = this.masterSpec;
    if (this.masterSpec.startsWith("zk://")) {
      this.#detector ??= createMasterDetector(this.masterSpec, {
        logger: createLogger({ level: "warn", fields: { test: this.name, part: "detector" } }),
      });
      const detector = this.#detector;
      master = () => detector.current();
    }
    const fresh = await createLocalAgent({
      master,
      workDir,
      resources,
      logger: createLogger({ level: "warn", fields: { test: this.name, agent: i } }),
      options: this.#options.agentTuning,
    });
    this.#agents.push(fresh);
    await fresh.whenRegistered();
  }

  async reserveAgentSlot(): Promise<{ index: number; workDir: string; resources: string }> {
    const slots = this.#options.portSlots ?? this.#options.agents;
    if (this.#agentIndex >= slots) {
      throw new Error(`No ports reserved for agent ${this.#agentIndex} (portSlots ${slots})`);
    }
    const index = this.#agentIndex++;
    const workDir = `${this.work}/mesos/agent-${index}`;
    await Deno.mkdir(workDir, { recursive: true });
    return { index, workDir, resources: resourcesForAgent(this.#resources, index) };
  }

  defer(cleanup: () => Promise<unknown>): void {
    this.#deferred.push(cleanup);
  }

  agentOf(member: MemberView): LocalAgent {
    const agent = this.#agents.find((a) => a.id === member.agentId);
    if (!agent) throw new Error(`No running agent ${member.agentId} (of ${member.name})`);
    return agent;
  }

  killExecutor(member: MemberView): void {
    const id = `etcd-executor-${member.name}-${member.rpcPort}`;
    if (!this.agentOf(member).killExecutor(id)) {
      throw new Error(`No executor ${id} on agent ${member.agentId}`);
    }
  }

  executorPid(member: MemberView): number {
    const pids = this.agentOf(member).executorPids();
    // One member per agent: the agent runs one executor.
    if (pids.length !== 1) {
      throw new Error(`Agent ${member.agentId} runs ${pids.length} executors: ${pids}`);
    }
    return pids[0]!;
  }

  async etcdPid(member: MemberView): Promise<number> {
    const pids = await this.etcdPids(member.clientPort);
    if (pids.length !== 1) {
      throw new Error(
        `${pids.length} etcd processes on ${member.name}'s port ${member.clientPort}`,
      );
    }
    return pids[0]!;
  }

  etcdPids(port: number): Promise<number[]> {
    return etcdPids(this.work, port);
  }

  pidsByMember(members: readonly MemberView[]): Promise<Record<string, number[]>> {
    return pidsByMember(this.work, members);
  }

  async releaseSeeds(): Promise<void> {
    await Deno.writeTextFile(`${this.work}/${SEED_GATE}`, "");
  }

  freeze(pid: number): void {
    Deno.kill(pid, "SIGSTOP");
    this.#frozen.add(pid);
  }

  thaw(pid: number): void {
    this.#frozen.delete(pid);
    Deno.kill(pid, "SIGCONT");
  }

  logFile(name: string): string {
    const file = `${this.work}/${name}`;
    this.#logs.push(file);
    return file;
  }

  async dumpLogs(chars = 8000): Promise<void> {
    const files = [...this.#schedulers.map((s) => s.process.logFile), ...this.#logs];
    for (const file of files) {
      const tail = await Deno.readTextFile(file).catch(() => "");
      this.log.error(`${file.slice(this.work.length + 1)} tail`, { tail: tail.slice(-chars) });
    }
  }

  stop(): Promise<WorldStopped> {
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  async #stop(): Promise<WorldStopped> {
    for (const pid of this.#frozen) {
      try {
        Deno.kill(pid, "SIGCONT");
      } catch {
        // gone
      }
    }
    this.#frozen.clear();
    const schedulerExits: Record<string, number> = {};
    await Promise.all(
      this.#schedulers.filter((s) => s.process.running).map(async (s) => {
        schedulerExits[s.name] = await s.stop();
      }),
    );
    const quiet = (what: string) => (e: unknown) => this.log.warn(`stop: ${what}`, { e });
    for (const cleanup of this.#deferred.reverse()) await cleanup().catch(quiet("deferred"));
    await Promise.allSettled(this.#agents.map((a) => a.stop().catch(quiet("agent"))));
    await Promise.allSettled(this.#masters.map((m) => m.stop().catch(quiet("master"))));
    await this.mesos.stop().catch(quiet("mesos"));
    await this.#detector?.close().catch(quiet("detector"));
    await this.zk?.stop().catch(quiet("zookeeper"));
    const found = await processesUnder(this.work);
    killAll(found);
    if (this.#options.keep ?? Deno.env.get("KEEP_WORK") !== undefined) {
      this.log.info("work dir kept", { work: this.work });
    } else {
      await Deno.remove(this.work, { recursive: true }).catch(() => {});
    }
    return { schedulerExits, left: found.map((p) => p.pid) };
  }
}
