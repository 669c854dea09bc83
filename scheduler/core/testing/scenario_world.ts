/**
 * Test helpers for the core: offer and status builders, a stepping harness with a plain
 * `now`, and a small simulated world (agents, tasks, etcd membership) that answers the
 * core's effects so whole scenarios can run without I/O. Test-only.
 *
 * @module
 */
import {
  isTerminal,
  type Offer,
  type TaskState,
  type TaskStatus,
} from "../../../lib/mesos/types.ts";
import { decodeMemberConfig } from "../../../contract/member_config.ts";
import type { Effect, MemberLaunch } from "../effects.ts";
import type { EtcdMemberView, Input, ProbeMemberResult } from "../inputs.ts";
import { type CoreOptions, initialState, type State } from "../state.ts";
import { step } from "../step.ts";
import { buildTaskInfo } from "../task_info.ts";

/** Small options for fast scenarios: 3 members, 1 cpu, 256 MB, 512 MB disk, one by one. */
export const TEST_OPTIONS: Partial<CoreOptions> = {
  clusterSize: 3,
  cpus: 1,
  memMb: 256,
  diskMb: 512,
  healthIntervalMs: 5_000,
  memberGracePeriodMs: 30_000,
  destructiveIntervalMs: 60_000,
  // Most scenarios follow the one-by-one bring-up; static_bootstrap_test.ts turns it on.
  staticBootstrapGatherMs: 0,
};

let offerSeq = 0;

/** An offer from agent `a<agent>` (host `h<agent>`), with roomy defaults. */
export function offer(
  agent: number,
  opts: { cpus?: number; mem?: number; disk?: number; ports?: [number, number][]; id?: string } =
    {},
): Offer {
  const resources = [
    { name: "cpus", type: "SCALAR" as const, scalar: { value: opts.cpus ?? 4 }, role: "*" },
    { name: "mem", type: "SCALAR" as const, scalar: { value: opts.mem ?? 4096 }, role: "*" },
    { name: "disk", type: "SCALAR" as const, scalar: { value: opts.disk ?? 10000 }, role: "*" },
  ];
  const ports = opts.ports ?? [[31000 + agent * 100, 31000 + agent * 100 + 99]];
  return {
    id: { value: opts.id ?? `O${++offerSeq}` },
    framework_id: { value: "fw-1" },
    agent_id: { value: `a${agent}` },
    hostname: `h${agent}`,
    resources: ports.length === 0 ? resources : [...resources, {
      name: "ports",
      type: "RANGES" as const,
      ranges: { range: ports.map(([begin, end]) => ({ begin, end })) },
      role: "*",
    }],
  };
}

/** The offer an agent makes back once `launch`'s task ended: its reservation and volume. */
export function reservedOffer(launch: MemberLaunch, id: string): Offer {
  return {
    id: { value: id },
    framework_id: { value: "fw-1" },
    agent_id: { value: launch.agentId },
    hostname: launch.hostname,
    resources: structuredClone([...launch.executorResources, ...launch.taskResources]),
  };
}

/** A status update; `uuid` adds a 16-byte uuid (reliable update). */
export function status(
  taskId: string,
  state: TaskState,
  opts: { agentId?: string; uuid?: boolean; reason?: string; message?: string } = {},
): TaskStatus {
  return {
    task_id: { value: taskId },
    state,
    ...(opts.agentId ? { agent_id: { value: opts.agentId } } : {}),
    ...(opts.uuid ? { uuid: new Uint8Array(16).fill(7) } : {}),
    ...(opts.reason ? { reason: opts.reason } : {}),
    ...(opts.message ? { message: opts.message } : {}),
    source: "SOURCE_EXECUTOR",
  };
}

/** Effects of one type. */
export function ofType<T extends Effect["type"]>(
  effects: readonly Effect[],
  type: T,
): Extract<Effect, { type: T }>[] {
  return effects.filter((e): e is Extract<Effect, { type: T }> => e.type === type);
}

/** A one-line summary of the effects that matter in scenarios (no logs or timers). */
export function summarize(effects: readonly Effect[]): string[] {
  const out: string[] = [];
  for (const e of effects) {
    switch (e.type) {
      case "launch":
        out.push(`launch ${e.member.name} ${e.member.config.clusterState} on ${e.agentId}`);
        break;
      case "decline":
        out.push(`decline ${e.offerIds.length} for ${e.refuseSeconds}s`);
        break;
      case "kill":
        out.push(`kill ${e.taskId.split(" ")[0]}`);
        break;
      case "etcdAddLearner":
        out.push(`addLearner ${e.member.name}`);
        break;
      case "etcdPromote":
        out.push(`promote ${e.name}`);
        break;
      case "etcdRemove":
        out.push(`remove ${e.name}`);
        break;
      case "suppress":
      case "revive":
      case "persistFrameworkId":
        out.push(e.type);
        break;
      case "reconcile":
        out.push(`reconcile ${e.tasks.length}`);
        break;
      case "acknowledge":
        out.push(`ack ${e.status.task_id.value.split(" ")[0]}`);
        break;
      case "probe":
        out.push(`probe ${e.members.map((m) => m.name).join(",")}`);
        break;
      case "executorOrder":
        out.push(`order ${e.order.op} ${e.taskId.split(" ")[0]}`);
        break;
      default:
        break;
    }
  }
  return out;
}

/** Steps the core with a plain clock and remembers every effect. */
export class Harness {
  state: State;
  now: number;
  readonly history: Effect[] = [];

  constructor(options: Partial<CoreOptions> = TEST_OPTIONS, now = 1_000_000) {
    this.state = initialState(options);
    this.now = now;
  }

  /** Feeds one input at the current time and returns its effects. */
  feed(input: Input): Effect[] {
    const r = step(this.state, input, this.now);
    this.state = r.state;
    this.history.push(...r.effects);
    return r.effects;
  }

  /** Moves time forward by `ms` and feeds a tick. */
  tick(ms: number): Effect[] {
    this.now += ms;
    return this.feed({ type: "tick" });
  }

  /** Subscribes and finishes reconciliation; returns the effects of both. */
  connect(frameworkId = "fw-1"): Effect[] {
    return [
      ...this.feed({ type: "subscribed", frameworkId, newFramework: true }),
    ];
  }
}

interface WorldTask {
  launch: MemberLaunch;
  state: TaskState;
}

/**
 * A fake cluster answering the core's effects: launches become running tasks (after
 * `feedRunning`), etcd calls change a membership list, probes report every running,
 * reachable member as healthy with one leader.
 */
export class World {
  members: EtcdMemberView[] = [];
  tasks = new Map<string, WorldTask>();
  /** Member names whose etcd does not answer probes. */
  unreachable = new Set<string>();
  /** Raft index reported by learners (default: caught up). */
  learnerIndex = 100;
  /** How many learner adds etcd refuses as an unhealthy cluster (strict reconfig checks). */
  refuseAdds = 0;
  #nextId = 1;

  /** The answer to one effect, if it has an immediate answer. */
  answer(e: Effect): Input | undefined {
    switch (e.type) {
      case "launch": {
        buildTaskInfo(e.member, { command: { value: "./executor" } });
        decodeMemberConfig(JSON.stringify(e.member.config));
        this.tasks.set(e.member.taskId, { launch: e.member, state: "TASK_STAGING" });
        if (e.member.config.clusterState === "new" && !this.memberOf(e.member)) {
          // Every member of a static bootstrap is configured from the start.
          this.members = e.member.config.initialCluster.split(",").map((entry) => {
            const [name, url] = entry.split("=") as [string, string];
            return { id: String(this.#nextId++), name, peerUrls: [url], isLearner: false };
          });
        }
        return undefined;
      }
      case "etcdAddLearner": {
        if (this.refuseAdds > 0) {
          this.refuseAdds--;
          return {
            type: "etcdResult",
            op: "addLearner",
            ok: false,
            errorKind: "unhealthy-cluster",
          };
        }
        const id = String(this.#nextId++);
        this.members.push({ id, name: "", peerUrls: [e.member.peerUrl], isLearner: true });
        return {
          type: "etcdResult",
          op: "addLearner",
          ok: true,
          memberId: id,
          learner: true,
          members: structuredClone(this.members),
        };
      }
      case "etcdPromote": {
        const m = this.members.find((x) => x.id === e.memberId);
        if (m === undefined) {
          return { type: "etcdResult", op: "promote", ok: false, errorKind: "member-not-found" };
        }
        m.isLearner = false;
        return {
          type: "etcdResult",
          op: "promote",
          ok: true,
          members: structuredClone(this.members),
        };
      }
      case "etcdRemove": {
        const before = this.members.length;
        this.members = this.members.filter((x) => x.id !== e.memberId);
        return before === this.members.length
          ? { type: "etcdResult", op: "remove", ok: false, errorKind: "member-not-found" }
          : { type: "etcdResult", op: "remove", ok: true, members: structuredClone(this.members) };
      }
      case "probe":
        return this.probe(e.members.map((m) => m.name));
      case "kill": {
        const t = this.tasks.get(e.taskId);
        if (t !== undefined) t.state = "TASK_KILLED";
        return { type: "status", status: status(e.taskId, "TASK_KILLED", { uuid: true }) };
      }
      default:
        return undefined;
    }
  }

  /** The member entry of a running task (matched by peer URL). */
  memberOf(launch: MemberLaunch): EtcdMemberView | undefined {
    const url = `http://${launch.hostname}:${launch.peerPort}`;
    return this.members.find((m) => m.peerUrls.includes(url));
  }

  /** A probe answer for `names`. */
  probe(names: string[]): Input {
    const results: ProbeMemberResult[] = [];
    const leader = this.members.find((m) => !m.isLearner && !this.unreachable.has(m.name));
    for (const name of names) {
      const t = [...this.tasks.values()].find((x) => x.launch.name === name);
      const m = t && this.memberOf(t.launch);
      if (
        t === undefined || m === undefined || t.state !== "TASK_RUNNING" ||
        this.unreachable.has(name)
      ) {
        results.push({ name, reachable: false, error: "connection refused" });
        continue;
      }
      m.name = name;
      results.push({
        name,
        reachable: true,
        memberId: m.id,
        raftIndex: m.isLearner ? this.learnerIndex : 100,
        raftTerm: "2",
        leader: leader?.id ?? "0",
        isLearner: m.isLearner,
      });
    }
    const voters = this.members.filter((m) => !m.isLearner);
    const up = voters.filter((m) => results.some((r) => r.reachable && r.memberId === m.id));
    return {
      type: "probe",
      results,
      linearizableReadOk: up.length >= Math.floor(voters.length / 2) + 1,
      membership: structuredClone(this.members),
    };
  }

  /** Ends a task (e.g. `kill -9` of its etcd) and returns its status input. */
  end(name: string, state: TaskState = "TASK_FAILED"): Input {
    const t = [...this.tasks.values()].find((x) => x.launch.name === name);
    if (t === undefined) throw new Error(`no task for ${name}`);
    t.state = state;
    return {
      type: "status",
      status: status(t.launch.taskId, state, { agentId: t.launch.agentId, uuid: true }),
    };
  }

  /** Marks a launched task running and returns its status input. */
  running(taskId: string): Input {
    const t = this.tasks.get(taskId);
    if (t === undefined) throw new Error(`no task ${taskId}`);
    t.state = "TASK_RUNNING";
    return {
      type: "status",
      status: status(taskId, "TASK_RUNNING", { agentId: t.launch.agentId, uuid: true }),
    };
  }
}

/**
 * Runs effects to quiescence: answers etcd calls and probes, marks launches running, and
 * offers one fresh offer per free agent whenever the core REVIVEs (unless `answerRevive` is
 * false). Returns every effect.
 */
export function settle(
  h: Harness,
  w: World,
  first: Effect[],
  agents = 5,
  options: { answerRevive?: boolean; maxSteps?: number } = {},
): Effect[] {
  const maxSteps = options.maxSteps ?? 200;
  const all: Effect[] = [...first];
  const queue: Effect[] = [...first];
  for (let i = 0; i < maxSteps && queue.length > 0; i++) {
    const e = queue.shift()!;
    let input = w.answer(e);
    if (e.type === "launch") input = w.running(e.member.taskId);
    if (e.type === "revive" && options.answerRevive !== false) {
      const used = new Set(
        [...w.tasks.values()].filter((t) => !isTerminal(t.state)).map((t) => t.launch.agentId),
      );
      const free = Array.from({ length: agents }, (_, k) => k + 1).filter((a) =>
        !used.has(`a${a}`)
      );
      input = { type: "offers", offers: free.map((a) => offer(a)) };
    }
    if (input === undefined) continue;
    h.now += 10;
    const out = h.feed(input);
    all.push(...out);
    queue.push(...out);
  }
  return all;
}
