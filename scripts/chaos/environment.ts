/**
 * The chaos run's world: a real ZooKeeper, two local masters elected through it, agents
 * (one spare per stop-agent fault is added on demand), the executor artifact and the
 * scheduler as a separate process that persists its framework id in ZooKeeper. Faults act on
 * it through the methods here; `stop()` stops everything and reports leftover processes.
 *
 * With `agentProcesses` every agent runs as a process of its own
 * (lib/localmesos/agent/testing/agent_process.ts) instead of in this process, so that one
 * can be frozen with SIGSTOP while its executors and etcd keep running.
 *
 * @module
 */
import { createLogger, type Logger } from "../../lib/log.ts";
import { killAll, processesUnder } from "../../localcluster/leftovers.ts";
import { freePort } from "../../localcluster/ports.ts";
import { type LocalMesos, resourcesForAgent } from "../../lib/localmesos/cluster.ts";
import { createLocalAgent, type LocalAgent } from "../../lib/localmesos/agent/agent.ts";
import {
  type AgentProcess,
  executorProcessPids,
  startAgentProcess,
} from "../../lib/localmesos/agent/testing/agent_process.ts";
import type { MemberView } from "../../scheduler/core/views.ts";
import {
  createLocalMaster,
  type LocalMaster,
  type MasterOptions,
} from "../../lib/localmesos/master/master.ts";
import { createMasterDetector, type MasterDetector } from "../../lib/mesos/master_detector.ts";
import { startZooKeeper, type ZooKeeperServer } from "../../lib/zk/testing/zookeeper_server.ts";
import {
  schedulerFlags,
  startTestMesos,
  testExecutorArtifact,
  type TestMesos,
} from "../../tests/e2e_env.ts";
import { AdminApi, SchedulerProcess } from "../../tests/scheduler_harness.ts";

const MAX_AGENTS = 16;
/**
 * Masters' options: agents stopped by a fault never come back, so a newly elected master
 * gives the agents it has not heard from 10 s (Mesos' default is 10 min) before it answers
 * reconciliation for their tasks.
 */
const MASTER_OPTIONS = { heartbeatSeconds: 2, agentReregisterTimeoutMs: 10_000 };
/**
 * With agent processes, a silent (frozen) agent is also disconnected after 5 s without a
 * ping, and removed (its tasks TASK_LOST) 10 s later.
 */
const FROZEN_AGENT_OPTIONS = { ...MASTER_OPTIONS, agentPingTimeoutMs: 5_000 };

/** The executor id the scheduler gives a member's task. */
export const executorIdOf = (m: MemberView): string => `etcd-executor-${m.name}-${m.rpcPort}`;

/** Options of {@linkcode startChaosEnvironment}. */
export interface ChaosEnvironmentOptions {
  members: number;
  /** Agents at the start (default members + 1). */
  agents?: number;
  logger: Logger;
  /** Keep the work directory after stop. */
  keep?: boolean;
  /** Run every agent as a process of its own (default false: in this process). */
  agentProcesses?: boolean;
}

/** A running chaos environment. */
export class ChaosEnvironment {
  readonly work: string;
  readonly zk: ZooKeeperServer;
  readonly admin: AdminApi;
  readonly schedulerLog: string;
  readonly members: number;
  readonly #mesos: LocalMesos;
  readonly #log: Logger;
  readonly #detector: MasterDetector;
  readonly #schedulerArgs: string[];
  readonly #resources: string;
  readonly #keep: boolean;
  readonly #masterOptions: MasterOptions;
  #masters: LocalMaster[];
  #agents: LocalAgent[];
  #processes: AgentProcess[] = [];
  #agentIndex: number;
  #scheduler: SchedulerProcess;

  constructor(init: {
    work: string;
    zk: ZooKeeperServer;
    mesos: LocalMesos;
    log: Logger;
    detector: MasterDetector;
    schedulerArgs: string[];
    adminPort: number;
    resources: string;
    masterOptions: MasterOptions;
    members: number;
    keep: boolean;
  }) {
    this.work = init.work;
    this.zk = init.zk;
    this.#mesos = init.mesos;
    this.#log = init.log;
    this.#detector = init.detector;
    this.#schedulerArgs = init.schedulerArgs;
    this.#resources = init.resources;
    this.#masterOptions = init.masterOptions;
    this.#keep = init.keep;
    this.members = init.members;
    this.#masters = [...init.mesos.masters];
    this.#agents = [...init.mesos.agents];
    this.#agentIndex = this.#agents.length;
    this.schedulerLog = `${init.work}/scheduler.log`;
    this.admin = new AdminApi(init.adminPort);
    this.#scheduler = new SchedulerProcess(this.#schedulerArgs, this.schedulerLog);
  }

  /** The agents running in this process now. */
  get agents(): readonly LocalAgent[] {
    return this.#agents;
  }

  /** The agents running as processes of their own now (see `agentProcesses`). */
  get agentProcesses(): readonly AgentProcess[] {
    return this.#processes;
  }

  /** The scheduler's flags. */
  get schedulerArgs(): readonly string[] {
    return this.#schedulerArgs;
  }

  /** Starts an agent as a process of its own on the next port slice, once registered. */
  async addAgentProcess(): Promise<AgentProcess> {
    if (this.#agentIndex >= MAX_AGENTS) throw new Error(`More than ${MAX_AGENTS} agents started`);
    const i = this.#agentIndex++;
    const agent = await startAgentProcess({
      master: this.#mesos.masterSpec,
      workDir: `${this.work}/mesos/agent-${i}`,
      resources: resourcesForAgent(this.#resources, i),
      logFile: `${this.work}/agent-${i}.log`,
    });
    this.#processes.push(agent);
    return agent;
  }

  /** The agent process running `m` (with `agentProcesses`). */
  agentProcessOf(m: MemberView): AgentProcess {
    const agent = this.#processes.find((a) => a.id === m.agentId);
    if (!agent) throw new Error(`No agent process ${m.agentId} (of ${m.name})`);
    return agent;
  }

  /** The pid of `m`'s executor process (its container's leader), from /proc. */
  async executorPid(m: MemberView): Promise<number> {
    const pids = await executorProcessPids(this.work, executorIdOf(m));
    if (pids.length !== 1) {
      throw new Error(`Expected one executor process of ${m.name}, found [${pids.join(",")}]`);
    }
    return pids[0]!;
  }

  /** SIGKILLs `m`'s executor and everything in its process group (its etcd too). */
  async killExecutorGroup(m: MemberView): Promise<number> {
    const pid = await this.executorPid(m);
    Deno.kill(-pid, "SIGKILL");
    return pid;
  }

  /** SIGKILLs `m`'s executor process alone: its etcd gets no signal. */
  async killExecutorOnly(m: MemberView): Promise<number> {
    const pid = await this.executorPid(m);
    Deno.kill(pid, "SIGKILL");
    return pid;
  }

  /** The leading master, if any. */
  leader(): LocalMaster | undefined {
    return this.#masters.find((m) => m.isLeader());
  }

  /** The scheduler's pid. */
  get schedulerPid(): number {
    return this.#scheduler.pid;
  }

  /** SIGKILLs the scheduler and starts a new one with the same flags (same framework id). */
  async restartScheduler(): Promise<void> {
    await this.#scheduler.kill();
    this.#scheduler = new SchedulerProcess(this.#schedulerArgs, this.schedulerLog);
  }

  /** Stops the leading master (a standby takes over) and starts a new standby. */
  async killLeadingMaster(): Promise<string> {
    const leader = this.leader();
    if (!leader) throw new Error("No leading master to kill");
    await leader.stop();
    this.#masters = this.#masters.filter((m) => m !== leader);
    this.#masters.push(
      await createLocalMaster({
        port: 0,
        zk: `zk://${this.zk.url}/mesos`,
        logger: createLogger({ level: "warn", fields: { part: "localmesos" } }),
        options: this.#masterOptions,
      }),
    );
    return leader.url;
  }

  /** Stops agent `agentId` (its executors die with it) and starts a fresh agent in its place. */
  async replaceAgent(agentId: string): Promise<void> {
    const process = this.#processes.find((a) => a.id === agentId);
    if (process) {
      await process.stop();
      this.#processes = this.#processes.filter((a) => a !== process);
      await this.addAgentProcess();
      return;
    }
    const agent = this.#agents.find((a) => a.id === agentId);
    if (!agent) throw new Error(`No running agent ${agentId}`);
    if (this.#agentIndex >= MAX_AGENTS) throw new Error(`More than ${MAX_AGENTS} agents started`);
    await agent.stop();
    this.#agents = this.#agents.filter((a) => a !== agent);
    const i = this.#agentIndex++;
    const workDir = `${this.work}/mesos/agent-${i}`;
    await Deno.mkdir(workDir, { recursive: true });
    const fresh = await createLocalAgent({
      master: () => this.#detector.current(),
      workDir,
      resources: resourcesForAgent(this.#resources, i),
      logger: createLogger({ level: "warn", fields: { part: "localmesos", agent: i } }),
    });
    this.#agents.push(fresh);
    await fresh.whenRegistered();
  }

  /** Stops everything; returns the scheduler's exit code and the pids left in the work dir. */
  async stop(): Promise<{ schedulerExit: number; left: number[] }> {
    const schedulerExit = await this.#scheduler.stop();
    await Promise.allSettled(this.#agents.map((a) => a.stop()));
    await Promise.allSettled(this.#processes.map((a) => a.stop()));
    await Promise.allSettled(this.#masters.map((m) => m.stop()));
    await this.#mesos.stop();
    await this.#detector.close();
    await this.zk.stop();
    const found = await processesUnder(this.work);
    killAll(found);
    if (this.#keep) this.#log.info("work dir kept", { work: this.work });
    else await Deno.remove(this.work, { recursive: true }).catch(() => {});
    return { schedulerExit, left: found.map((p) => p.pid) };
  }
}

/** Starts ZooKeeper, two masters, the agents and the scheduler. */
export async function startChaosEnvironment(
  options: ChaosEnvironmentOptions,
): Promise<ChaosEnvironment> {
  const log = options.logger;
  const work = await Deno.realPath(await Deno.makeTempDir({ prefix: "etcd-mesos-chaos-" }));
  const artifact = await testExecutorArtifact(log);
  const zk = await startZooKeeper();
  let started: TestMesos;
  try {
    started = await startTestMesos({
      name: "chaos",
      work,
      masters: 2,
      agents: options.agentProcesses ? 0 : options.agents ?? options.members + 1,
      zkUrl: zk.url,
      masterOptions: options.agentProcesses ? FROZEN_AGENT_OPTIONS : MASTER_OPTIONS,
      portSlots: MAX_AGENTS,
    });
  } catch (e) {
    await zk.stop();
    throw e;
  }
  const { mesos, resources, masterOptions } = started;
  const adminPort = freePort();
  const schedulerArgs = schedulerFlags({
    masterSpec: mesos.masterSpec,
    zkUrl: zk.url,
    adminPort,
    artifact,
    clusterSize: options.members,
    extra: ["--reseed-timeout=5s"],
  });
  const env = new ChaosEnvironment({
    work,
    zk,
    mesos,
    log,
    detector: createMasterDetector(mesos.masterSpec, {
      logger: createLogger({ level: "warn", fields: { part: "detector" } }),
    }),
    schedulerArgs,
    adminPort,
    resources,
    masterOptions,
    members: options.members,
    keep: options.keep ?? false,
  });
  if (options.agentProcesses) {
    try {
      const n = options.agents ?? options.members + 1;
      for (let i = 0; i < n; i++) await env.addAgentProcess();
    } catch (e) {
      await env.stop().catch(() => {});
      throw e;
    }
  }
  return env;
}
