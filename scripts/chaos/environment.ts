/**
 * The chaos run's world: a real ZooKeeper, two local masters elected through it, agents
 * (one spare per stop-agent fault is added on demand), the executor artifact and the
 * scheduler as a separate process that persists its framework id in ZooKeeper. Faults act on
 * it through the methods here; `stop()` stops everything and reports leftover processes. Built
 * on the end-to-end fixture's world (tests/testing/world.ts).
 *
 * With `agentProcesses` every agent runs as a process of its own
 * (lib/localmesos/agent/testing/agent_process.ts) instead of in this process, so that one
 * can be frozen with SIGSTOP while its executors and etcd keep running.
 *
 * @module
 */
import type { Logger } from "../../lib/log.ts";
import type { LocalAgent } from "../../lib/localmesos/agent/agent.ts";
import {
  type AgentProcess,
  executorProcessPids,
  startAgentProcess,
} from "../../lib/localmesos/agent/testing/agent_process.ts";
import type { LocalMaster } from "../../lib/localmesos/master/master.ts";
import type { ZooKeeperServer } from "../../lib/zk/testing/zookeeper_server.ts";
import type { MemberView } from "../../scheduler/core/views.ts";
import type { AdminClient } from "../../tests/testing/admin.ts";
import { startWorld, type World } from "../../tests/testing/world.ts";

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

/**
 * The executor id the scheduler gives a member's task (a relaunch in place on a persistent
 * volume, task id ending in ` r<n>`, has `-r<n>` too).
 */
export const executorIdOf = (m: MemberView): string => {
  const relaunch = / (r[0-9]+)$/.exec(m.taskId)?.[1];
  return `etcd-executor-${m.name}-${m.rpcPort}${relaunch === undefined ? "" : `-${relaunch}`}`;
};

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
  /** Members on persistent volumes (the scheduler runs with `--role=etcd`). */
  volumes?: boolean;
}

/** A running chaos environment: the end-to-end world plus agents as processes. */
export class ChaosEnvironment {
  readonly world: World;
  readonly members: number;
  #processes: AgentProcess[] = [];

  constructor(world: World, members: number) {
    this.world = world;
    this.members = members;
    world.defer(() => Promise.allSettled(this.#processes.map((a) => a.stop())));
  }

  get work(): string {
    return this.world.work;
  }

  get zk(): ZooKeeperServer {
    return this.world.zk!;
  }

  /** The running scheduler's admin API. */
  get admin(): AdminClient {
    return this.world.admin;
  }

  /** Every scheduler's log so far, oldest scheduler first. */
  async schedulerLogText(): Promise<string> {
    const texts = await Promise.all(this.world.schedulers.map((s) => s.process.logText()));
    return texts.join("");
  }

  /** The agents running in this process now. */
  get agents(): readonly LocalAgent[] {
    return this.world.agents;
  }

  /** The agents running as processes of their own now (see `agentProcesses`). */
  get agentProcesses(): readonly AgentProcess[] {
    return this.#processes;
  }

  /** The scheduler's flags. */
  get schedulerArgs(): readonly string[] {
    return this.world.scheduler.args;
  }

  /** Starts an agent as a process of its own on the next port slice, once registered. */
  async addAgentProcess(): Promise<AgentProcess> {
    const { index, workDir, resources } = await this.world.reserveAgentSlot();
    const agent = await startAgentProcess({
      master: this.world.masterSpec,
      workDir,
      resources,
      logFile: this.world.logFile(`agent-${index}.log`),
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
    return this.world.leader();
  }

  /** The scheduler's pid. */
  get schedulerPid(): number {
    return this.world.scheduler.process.pid;
  }

  /** SIGKILLs the scheduler and starts a new one with the same flags (same framework id). */
  async restartScheduler(): Promise<void> {
    await this.world.restartScheduler();
  }

  /** Stops the leading master (a standby takes over) and starts a new standby. */
  killLeadingMaster(): Promise<string> {
    return this.world.killLeadingMaster();
  }

  /** Stops agent `agentId` (its executors die with it) and starts a fresh agent in its place. */
  async replaceAgent(agentId: string): Promise<void> {
    const process = this.#processes.find((a) => a.id === agentId);
    if (!process) return await this.world.replaceAgent(agentId);
    await process.stop();
    this.#processes = this.#processes.filter((a) => a !== process);
    await this.addAgentProcess();
  }

  /** Stops everything; returns the scheduler's exit code and the pids left in the work dir. */
  async stop(): Promise<{ schedulerExit: number; left: number[] }> {
    const stopped = await this.world.stop();
    const schedulerExit = stopped.schedulerExits[this.world.scheduler.name] ?? 0;
    return { schedulerExit, left: stopped.left };
  }
}

/** Starts ZooKeeper, two masters, the agents and the scheduler. */
export async function startChaosEnvironment(
  options: ChaosEnvironmentOptions,
): Promise<ChaosEnvironment> {
  const agents = options.agents ?? options.members + 1;
  const world = await startWorld({
    name: "chaos",
    logger: options.logger,
    keep: options.keep ?? false,
    zookeeper: true,
    masters: 2,
    agents: options.agentProcesses ? 0 : agents,
    masterOptions: options.agentProcesses ? FROZEN_AGENT_OPTIONS : MASTER_OPTIONS,
    portSlots: MAX_AGENTS,
    clusterSize: options.members,
    schedulerFlags: ["--reseed-timeout=5s", ...(options.volumes ? ["--role=etcd"] : [])],
  });
  const env = new ChaosEnvironment(world, options.members);
  if (options.agentProcesses) {
    try {
      for (let i = 0; i < agents; i++) await env.addAgentProcess();
    } catch (e) {
      await env.stop().catch(() => {});
      throw e;
    }
  }
  return env;
}
