/**
 * The local master's bookkeeping: agents, frameworks, tasks, executors and outstanding
 * offers, with the resource sums the allocator and the state endpoints need. No I/O, no
 * timers: the operations in the `*_ops.ts` files mutate it and perform side effects.
 *
 * @module
 */
import type { Plain } from "../../mesos/plain.ts";
import {
  type Attribute,
  type FrameworkCapability,
  isTerminal,
  type Resource,
  type TaskState,
} from "../../mesos/types.ts";
import { addResources, needCheckpointing, subtractResources } from "../resources/resources.ts";
import type { EventStream } from "./event_stream.ts";

/** A custom executor running on an agent. */
export interface ExecutorRecord {
  frameworkId: string;
  executorId: string;
  /** ExecutorInfo. */
  info: Plain;
  resources: Resource[];
}

/** A registered agent. */
export interface AgentRecord {
  id: string;
  /** AgentInfo (with `id`). */
  info: Plain;
  /** Base URL of the agent's HTTP server. */
  url: string;
  ip: string;
  port: number;
  hostname: string;
  /**
   * The agent's resources: AgentInfo's plus its checkpointed dynamic reservations and
   * persistent volumes (post-refinement format, unallocated).
   */
  total: Resource[];
  attributes: Attribute[];
  /** Seconds since the epoch. */
  registeredTime: number;
  reregisteredTime?: number;
  /** False after a ping timeout until the agent re-registers. */
  connected: boolean;
  /** Keyed by `executorKey(frameworkId, executorId)`. */
  executors: Map<string, ExecutorRecord>;
  /** Fires when the agent has not pinged for `agentPingTimeoutMs`. */
  pingTimer?: number;
  /** Fires when a disconnected agent has not re-registered in time. */
  removalTimer?: number;
}

/** A task the master knows (launched, or reported by a re-registering agent). */
export interface TaskRecord {
  frameworkId: string;
  agentId: string;
  taskId: string;
  name: string;
  /** The custom executor's id; undefined for command tasks. */
  executorId?: string;
  /** TaskInfo as launched (or rebuilt from an agent's Task report). */
  info: Plain;
  resources: Resource[];
  state: TaskState;
  /** Every status received, oldest first (TaskStatus). */
  statuses: Plain[];
  /** The latest status received. */
  latest?: Plain;
  /** Status uuids (base64) sent to the scheduler and not yet acknowledged, with their state. */
  unacked: Map<string, TaskState>;
}

/** An outstanding offer. */
export interface OfferRecord {
  id: string;
  frameworkId: string;
  agentId: string;
  /** The role the offer is allocated to (`Offer.allocation_info.role`). */
  role: string;
  /** The offered resources (post-refinement format, unallocated). */
  resources: Resource[];
  /** The Offer message as sent. */
  offer: Plain;
  /** Offer-timeout timer, if any. */
  timer?: number;
}

/** A framework the master knows. */
export interface FrameworkRecord {
  id: string;
  /** FrameworkInfo (with `id`). */
  info: Plain;
  /** Has an open subscription stream. */
  connected: boolean;
  active: boolean;
  /** Learned from a re-registering agent, not subscribed yet. */
  recovered: boolean;
  stream?: EventStream;
  /** Mesos-Stream-Id of the current subscription. */
  streamId?: string;
  /** Seconds since the epoch. */
  registeredTime: number;
  reregisteredTime?: number;
  unregisteredTime?: number;
  failoverTimer?: number;
  suppressed: boolean;
  tasks: Map<string, TaskRecord>;
  completedTasks: TaskRecord[];
  /** TaskStatuses waiting for the framework to re-subscribe. */
  pendingUpdates: Plain[];
}

/** Key of an executor in {@linkcode AgentRecord.executors}. */
export function executorKey(frameworkId: string, executorId: string): string {
  return `${frameworkId}\u0000${executorId}`;
}

/** True when the framework declared `capability`. */
export function hasCapability(info: Plain, capability: FrameworkCapability): boolean {
  return (info.capabilities ?? []).some((c: Plain) => c.type === capability);
}

/** The role the framework's resources are allocated to (first of `roles` for MULTI_ROLE). */
export function frameworkRole(info: Plain): string {
  if (hasCapability(info, "MULTI_ROLE")) return info.roles?.[0] ?? "*";
  return info.role ?? "*";
}

/** The agent's checkpointed resources: dynamic reservations and persistent volumes. */
export function checkpointedOf(agent: AgentRecord): Resource[] {
  return agent.total.filter(needCheckpointing);
}

/** Mesos' text of an agent in messages: `<id> at slave(1)@<ip>:<port> (<hostname>)`. */
export function agentText(agent: AgentRecord): string {
  return `${agent.id} at slave(1)@${agent.ip}:${agent.port} (${agent.hostname})`;
}

/** Mutable registry of everything the master knows. */
export class MasterState {
  readonly agents = new Map<string, AgentRecord>();
  /** Agents removed after a timeout, with the time (seconds) they became unreachable. */
  readonly unreachable = new Map<string, number>();
  readonly frameworks = new Map<string, FrameworkRecord>();
  /** Ids of torn-down or timed-out frameworks (re-subscribing gets an ERROR). */
  readonly removedFrameworks = new Set<string>();
  readonly completedFrameworks: FrameworkRecord[] = [];
  readonly offers = new Map<string, OfferRecord>();

  /** Creates and stores a framework record. */
  addFramework(id: string, info: Plain, now: number, recovered = false): FrameworkRecord {
    const fw: FrameworkRecord = {
      id,
      info: { ...info, id: { value: id } },
      connected: false,
      active: false,
      recovered,
      registeredTime: now,
      suppressed: false,
      tasks: new Map(),
      completedTasks: [],
      pendingUpdates: [],
    };
    this.frameworks.set(id, fw);
    return fw;
  }

  /** Finds a task by framework and task id. */
  task(frameworkId: string, taskId: string): TaskRecord | undefined {
    return this.frameworks.get(frameworkId)?.tasks.get(taskId);
  }

  /** Every task the master knows on `agentId`. */
  tasksOnAgent(agentId: string): TaskRecord[] {
    const out: TaskRecord[] = [];
    for (const fw of this.frameworks.values()) {
      for (const t of fw.tasks.values()) if (t.agentId === agentId) out.push(t);
    }
    return out;
  }

  /** Stores `task` under its framework (which must exist). */
  addTask(task: TaskRecord): void {
    const fw = this.frameworks.get(task.frameworkId);
    if (fw === undefined) {
      throw new RangeError(
        `Cannot add task "${task.taskId}": unknown framework ${task.frameworkId}`,
      );
    }
    fw.tasks.set(task.taskId, task);
  }

  /** Forgets a task (it moves to the framework's completed tasks). */
  removeTask(task: TaskRecord): void {
    const fw = this.frameworks.get(task.frameworkId);
    if (fw === undefined || fw.tasks.get(task.taskId) !== task) return;
    fw.tasks.delete(task.taskId);
    fw.completedTasks.push(task);
    if (fw.completedTasks.length > 1000) fw.completedTasks.shift();
  }

  /** Offers outstanding on `agentId`. */
  offersOnAgent(agentId: string): OfferRecord[] {
    return [...this.offers.values()].filter((o) => o.agentId === agentId);
  }

  /** Offers outstanding to `frameworkId`. */
  offersOfFramework(frameworkId: string): OfferRecord[] {
    return [...this.offers.values()].filter((o) => o.frameworkId === frameworkId);
  }

  /** Resources used on `agentId` by non-terminal tasks and running executors. */
  usedOnAgent(agentId: string, frameworkId?: string): Resource[] {
    let used: Resource[] = [];
    for (const t of this.tasksOnAgent(agentId)) {
      if (frameworkId !== undefined && t.frameworkId !== frameworkId) continue;
      if (!isTerminal(t.state)) used = addResources(used, t.resources);
    }
    for (const e of this.agents.get(agentId)?.executors.values() ?? []) {
      if (frameworkId !== undefined && e.frameworkId !== frameworkId) continue;
      used = addResources(used, e.resources);
    }
    return used;
  }

  /** Resources offered on `agentId`. */
  offeredOnAgent(agentId: string): Resource[] {
    return this.offersOnAgent(agentId).reduce<Resource[]>(
      (sum, o) => addResources(sum, o.resources),
      [],
    );
  }

  /** What is neither used nor offered on `agentId`. */
  availableOnAgent(agentId: string): Resource[] {
    const agent = this.agents.get(agentId);
    if (agent === undefined) return [];
    return subtractResources(
      subtractResources(agent.total, this.usedOnAgent(agentId)),
      this.offeredOnAgent(agentId),
    );
  }

  /** Resources used by `frameworkId` across all agents. */
  usedByFramework(frameworkId: string): Resource[] {
    let used: Resource[] = [];
    for (const agentId of this.agents.keys()) {
      used = addResources(used, this.usedOnAgent(agentId, frameworkId));
    }
    return used;
  }

  /** Resources offered to `frameworkId`. */
  offeredToFramework(frameworkId: string): Resource[] {
    return this.offersOfFramework(frameworkId).reduce<Resource[]>(
      (sum, o) => addResources(sum, o.resources),
      [],
    );
  }
}
