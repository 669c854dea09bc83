/**
 * A simulated Mesos + etcd world for property tests of the pure core (test-only).
 *
 * Unlike the scenario `World`, etcd processes live apart from task state: an executor may die
 * and leave its etcd running (an orphan), an etcd may be frozen (SIGSTOP) while its task stays
 * TASK_RUNNING, and an agent may be partitioned from the master while its etcd keeps voting.
 * Raft is modelled coarsely but honestly:
 * - a cluster *epoch* is one configuration (a `--force-new-cluster` starts a new one);
 * - an epoch has a leader only while a quorum of its voters is alive, not frozen and not
 *   removed, and only then does its commit index move (writes are acknowledged);
 * - membership calls need that leader (else they time out), and strict reconfiguration
 *   refuses a removal that would leave fewer than a quorum of voters active for 5 s;
 * - a call may be lost: not applied and never answered, or applied and never answered.
 *
 * @module
 */
import { isTerminal, type Resource, type TaskState } from "../../../lib/mesos/types.ts";
import type { VolumeRecord } from "../volumes.ts";
import type { Effect, MemberLaunch } from "../effects.ts";
import type { EtcdMemberView, Input, ProbeMemberResult } from "../inputs.ts";
import { type CoreOptions, initialState, type State } from "../state.ts";
import { step } from "../step.ts";

/** A seeded PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One etcd process. */
export interface SimEtcd {
  id: string;
  name: string;
  taskId: string;
  peerUrl: string;
  clientUrl: string;
  epoch: number;
  alive: boolean;
  frozen: boolean;
  learner: boolean;
  index: number;
  /** When it (re)joined its epoch's raft group (strict reconfig counts 5 s from here). */
  activeSince: number;
}

/** One task of the framework. */
export interface SimTask {
  launch: MemberLaunch;
  state: TaskState;
  executorAlive: boolean;
}

interface Epoch {
  members: { id: string; peerUrl: string; clientUrl: string; learner: boolean; name: string }[];
  commit: number;
}

interface Pending {
  at: number;
  input: Input;
}

/** A violated safety invariant. */
export class InvariantError extends Error {}

/** Options of a simulation. */
export interface SimOptions {
  seed: number;
  core: Partial<CoreOptions>;
  agents: number;
  /** Probability that an etcd membership call is lost (half of them applied anyway). */
  lossRate?: number;
}

const DELAY_MS = 200;
const STRICT_RECONFIG_MS = 5_000;

/** The world plus the core under test, stepped together on one clock. */
export class Sim {
  now = 1_000_000;
  state: State;
  readonly rand: () => number;
  readonly etcds: SimEtcd[] = [];
  readonly tasks = new Map<string, SimTask>();
  readonly epochs: Epoch[] = [];
  /** Agents partitioned from the master (their processes keep running). */
  readonly partitioned = new Set<string>();
  /** Agent id → time until which its offers are filtered. */
  readonly filters = new Map<string, number>();
  /** Every log line the core emitted, for failure reports. */
  readonly log: string[] = [];
  /** Agent id → resources reserved there (with a volume) by a first launch on volumes. */
  readonly reserved = new Map<string, Resource[]>();
  /** Volume records as ZooKeeper keeps them (a restarted scheduler loads them). */
  readonly volumeRecords = new Map<string, VolumeRecord>();
  #queue: Pending[] = [];
  #nextId = 1;
  #suppressed = false;
  #lastOffersAt = 0;
  /** The membership call the core is waiting for, and when it was sent. */
  #callOut?: { type: string; at: number };
  #opts: SimOptions;
  /** Static bootstraps (token and `--initial-cluster`) → their epoch. */
  #staticEpochs = new Map<string, number>();

  constructor(opts: SimOptions) {
    this.#opts = opts;
    this.rand = prng(opts.seed);
    this.state = initialState(opts.core);
  }

  /** Feeds one input to the core and handles its effects. */
  feed(input: Input): void {
    const r = step(this.state, input, this.now);
    this.state = r.state;
    for (const e of r.effects) this.#effect(e);
  }

  /** (Re)starts the scheduler: a fresh core that subscribes and reconciles. */
  restartScheduler(): void {
    this.state = initialState(this.#opts.core);
    this.#queue = this.#queue.filter((p) => p.input.type === "status");
    this.#callOut = undefined;
    this.#suppressed = false;
    this.filters.clear(); // a failed-over framework starts without filters
    if (this.#opts.core.volumes !== undefined) {
      this.feed({ type: "volumesKnown", records: [...this.volumeRecords.values()] });
    }
    this.feed({ type: "subscribed", frameworkId: "fw-sim" });
  }

  #later(input: Input, delay = DELAY_MS): void {
    this.#queue.push({ at: this.now + delay, input });
  }

  #status(taskId: string, state: TaskState, delay = DELAY_MS): void {
    const t = this.tasks.get(taskId);
    if (t === undefined) return;
    t.state = state;
    this.#later({
      type: "status",
      status: {
        task_id: { value: taskId },
        agent_id: { value: t.launch.agentId },
        state,
        uuid: new Uint8Array(16).fill(1),
        source: "SOURCE_EXECUTOR",
      },
    }, delay);
  }

  /** The epoch's leader id, when a quorum of its voters is up. */
  leaderOf(epoch: number): string | undefined {
    const ep = this.epochs[epoch];
    if (ep === undefined) return undefined;
    const voters = ep.members.filter((m) => !m.learner);
    const up = voters.filter((m) => this.#up(m.id, epoch));
    if (up.length < Math.floor(voters.length / 2) + 1) return undefined;
    return up.map((m) => m.id).sort()[0];
  }

  #up(id: string, epoch: number): boolean {
    return this.etcds.some((e) => e.id === id && e.epoch === epoch && e.alive && !e.frozen);
  }

  /** Epochs that currently have a leader. */
  leadingEpochs(): number[] {
    return this.epochs.map((_, i) => i).filter((i) => this.leaderOf(i) !== undefined);
  }

  #byUrl(clientUrl: string): SimEtcd | undefined {
    return this.etcds.findLast((e) => e.clientUrl === clientUrl && e.alive);
  }

  #answering(endpoints: readonly string[]): SimEtcd | undefined {
    for (const url of endpoints) {
      const e = this.#byUrl(url);
      if (e !== undefined && !e.frozen && this.leaderOf(e.epoch) !== undefined) return e;
    }
    return undefined;
  }

  #membership(epoch: number): EtcdMemberView[] {
    return (this.epochs[epoch]?.members ?? []).map((m) => ({
      id: m.id,
      name: m.name,
      peerUrls: [m.peerUrl],
      clientUrls: m.clientUrl === "" ? [] : [m.clientUrl],
      isLearner: m.learner,
    }));
  }

  /** Loses a membership call now and then; returns true when the answer must be dropped. */
  #lose(): "drop" | "applied-drop" | undefined {
    const rate = this.#opts.lossRate ?? 0.05;
    const r = this.rand();
    if (r < rate / 2) return "drop";
    if (r < rate) return "applied-drop";
    return undefined;
  }

  #membershipCall(type: string): void {
    const out = this.#callOut;
    const bound = this.state.options.probeTimeoutMs;
    if (out !== undefined && this.now - out.at < bound) {
      throw new InvariantError(
        `${type} sent while ${out.type} (sent ${this.now - out.at} ms ago) is unanswered`,
      );
    }
    this.#callOut = { type, at: this.now };
  }

  #answerCall(input: Input): void {
    this.#queue.push({ at: this.now + DELAY_MS, input });
  }

  #effect(e: Effect): void {
    switch (e.type) {
      case "log":
        this.log.push(`${this.now} ${e.level} ${e.msg} ${JSON.stringify(e.fields)}`);
        return;
      case "suppress":
        this.#suppressed = true;
        return;
      case "revive":
        this.#suppressed = false;
        this.filters.clear();
        return;
      case "decline":
        // Offer ids are `o-<agent>-<n>`: filter the agent.
        for (const id of e.offerIds) {
          const agent = id.split("-")[1]!;
          this.filters.set(agent, this.now + e.refuseSeconds * 1000);
        }
        return;
      case "launch":
        if (e.member.volume !== undefined && !this.partitioned.has(e.member.agentId)) {
          const { executorResources, taskResources } = e.member;
          this.reserved.set(
            e.member.agentId,
            structuredClone([...executorResources, ...taskResources]),
          );
        }
        return this.#launch(e.member);
      case "persistVolume":
        this.volumeRecords.set(e.record.member, structuredClone(e.record));
        return;
      case "forgetVolume":
        this.volumeRecords.delete(e.member);
        return;
      case "cleanupVolumes":
        this.reserved.delete(e.agentId);
        return;
      case "kill": {
        const t = this.tasks.get(e.taskId);
        if (t === undefined || isTerminal(t.state)) return;
        if (this.partitioned.has(t.launch.agentId) || !t.executorAlive) return;
        // SIGTERM, then SIGKILL after the grace: a frozen etcd dies too.
        this.#killEtcdOf(e.taskId);
        t.executorAlive = false;
        this.#status(e.taskId, "TASK_KILLED", 500);
        return;
      }
      case "reconcile":
        for (const t of this.tasks.values()) {
          if (isTerminal(t.state) && t.state !== "TASK_LOST") continue;
          this.#later({
            type: "status",
            status: {
              task_id: { value: t.launch.taskId },
              agent_id: { value: t.launch.agentId },
              state: t.state,
              source: "SOURCE_MASTER",
            },
          }, 100);
        }
        return;
      case "probe":
        return this.#later(this.#probe(e.members.map((m) => m)), 100);
      case "etcdAddLearner": {
        this.#membershipCall(e.type);
        const via = this.#answering(e.endpoints);
        if (via === undefined) return; // no leader: the call times out
        const lost = this.#lose();
        if (lost === "drop") return;
        const ep = this.epochs[via.epoch]!;
        const id = String(this.#nextId++);
        ep.members.push({
          id,
          peerUrl: e.member.peerUrl,
          clientUrl: "", // etcd learns a member's client URL when it starts
          learner: true,
          name: e.member.name,
        });
        if (lost === "applied-drop") return;
        return this.#answerCall({
          type: "etcdResult",
          op: "addLearner",
          ok: true,
          memberId: id,
          learner: true,
          members: this.#membership(via.epoch),
        });
      }
      case "etcdPromote": {
        this.#membershipCall(e.type);
        const via = this.#answering(e.endpoints);
        if (via === undefined) return;
        const ep = this.epochs[via.epoch]!;
        const m = ep.members.find((x) => x.id === e.memberId);
        const fail = (errorKind: string) =>
          this.#answerCall({ type: "etcdResult", op: "promote", ok: false, errorKind });
        if (m === undefined) return fail("member-not-found");
        if (!m.learner) return fail("not-learner");
        const learner = this.etcds.find((x) => x.id === m.id && x.epoch === via.epoch);
        if (learner === undefined || !learner.alive || learner.index * 10 < ep.commit * 9) {
          return fail("learner-not-ready");
        }
        const lost = this.#lose();
        if (lost === "drop") return;
        m.learner = false;
        learner.learner = false;
        learner.activeSince = this.now;
        if (lost === "applied-drop") return;
        return this.#answerCall({
          type: "etcdResult",
          op: "promote",
          ok: true,
          members: this.#membership(via.epoch),
        });
      }
      case "etcdRemove": {
        this.#membershipCall(e.type);
        const via = this.#answering(e.endpoints);
        if (via === undefined) return;
        const ep = this.epochs[via.epoch]!;
        const m = ep.members.find((x) => x.id === e.memberId);
        if (m === undefined) {
          return this.#answerCall({
            type: "etcdResult",
            op: "remove",
            ok: false,
            errorKind: "member-not-found",
          });
        }
        if (!m.learner && this.#up(m.id, via.epoch)) {
          const voters = ep.members.filter((x) => !x.learner && x.id !== m.id);
          const active = voters.filter((x) =>
            this.#up(x.id, via.epoch) &&
            this.etcds.some((p) =>
              p.id === x.id && p.epoch === via.epoch &&
              this.now - p.activeSince >= STRICT_RECONFIG_MS
            )
          );
          if (active.length < Math.floor(voters.length / 2) + 1) {
            return this.#answerCall({
              type: "etcdResult",
              op: "remove",
              ok: false,
              errorKind: "unhealthy-cluster",
            });
          }
        }
        const lost = this.#lose();
        if (lost === "drop") return;
        ep.members = ep.members.filter((x) => x.id !== m.id);
        // A removed etcd 3.4 stops itself once it learns of its removal.
        for (const p of this.etcds) if (p.id === m.id && p.epoch === via.epoch) p.alive = false;
        if (lost === "applied-drop") return;
        return this.#answerCall({
          type: "etcdResult",
          op: "remove",
          ok: true,
          members: this.#membership(via.epoch),
        });
      }
      case "executorOrder":
        return this.#order(e);
      case "acknowledge":
      case "persistFrameworkId":
      case "armTimer":
      case "adminReply":
      case "persistClusterSize":
      case "persistRollingRestart":
      case "etcdMoveLeader":
        return;
      default: {
        const never: never = e;
        throw new Error(`unhandled effect ${JSON.stringify(never)}`);
      }
    }
  }

  #killEtcdOf(taskId: string): void {
    for (const p of this.etcds) {
      if (p.taskId === taskId) {
        p.alive = false;
        p.frozen = false;
      }
    }
  }

  #launch(launch: MemberLaunch): void {
    if (this.partitioned.has(launch.agentId)) return;
    const busy = [...this.tasks.values()].some((t) =>
      t.launch.agentId === launch.agentId && !isTerminal(t.state)
    );
    if (busy) throw new InvariantError(`two live members on agent ${launch.agentId}`);
    this.tasks.set(launch.taskId, { launch, state: "TASK_STAGING", executorAlive: true });
    const peerUrl = `http://${launch.hostname}:${launch.peerPort}`;
    const clientUrl = `http://${launch.hostname}:${launch.clientPort}`;
    if (launch.config.clusterState === "new" && launch.config.initialCluster.includes(",")) {
      return this.#launchStatic(launch, peerUrl, clientUrl);
    }
    if (launch.config.clusterState === "new") {
      const id = String(this.#nextId++);
      this.epochs.push({
        members: [{ id, peerUrl, clientUrl, learner: false, name: launch.name }],
        commit: 0,
      });
      return this.#startEtcd(launch, {
        id,
        peerUrl,
        clientUrl,
        epoch: this.epochs.length - 1,
        learner: false,
      });
    }
    const holder = this.etcds.find((p) => p.alive && p.peerUrl === peerUrl);
    if (launch.config.volume !== undefined && holder !== undefined) {
      // A relaunch on a volume whose old etcd still runs (an orphan): that one holds the data
      // dir's lock and the ports, so the new etcd cannot start and the executor gives up.
      this.tasks.get(launch.taskId)!.executorAlive = false;
      this.#status(launch.taskId, "TASK_FAILED", 1_000);
      return;
    }
    const epoch = this.epochs.findLastIndex((ep) => ep.members.some((m) => m.peerUrl === peerUrl));
    const m = this.epochs[epoch]?.members.find((x) => x.peerUrl === peerUrl);
    if (m === undefined) {
      // etcd refuses to join a cluster that does not list it: the executor gives up.
      this.tasks.get(launch.taskId)!.executorAlive = false;
      this.#status(launch.taskId, "TASK_FAILED", 1_000);
      return;
    }
    m.name = launch.name;
    m.clientUrl = clientUrl;
    this.#startEtcd(launch, { id: m.id, peerUrl, clientUrl, epoch, learner: m.learner });
  }

  /**
   * A member of a static bootstrap: every member launched with the same token and
   * `--initial-cluster` belongs to one epoch listing them all (etcd derives the member ids
   * from the peer URLs and the token), which has a leader once a quorum of them runs.
   */
  #launchStatic(launch: MemberLaunch, peerUrl: string, clientUrl: string): void {
    const key = `${launch.config.clusterToken} ${launch.config.initialCluster}`;
    let epoch = this.#staticEpochs.get(key);
    if (epoch === undefined) {
      const members = launch.config.initialCluster.split(",").map((entry) => {
        const [name, url] = entry.split("=") as [string, string];
        return { id: String(this.#nextId++), peerUrl: url, clientUrl: "", learner: false, name };
      });
      this.epochs.push({ members, commit: 0 });
      epoch = this.epochs.length - 1;
      this.#staticEpochs.set(key, epoch);
    }
    const m = this.epochs[epoch]!.members.find((x) => x.peerUrl === peerUrl)!;
    m.clientUrl = clientUrl;
    this.#startEtcd(launch, { id: m.id, peerUrl, clientUrl, epoch, learner: false });
  }

  /** `launch`'s etcd starts as member `etcd.id` of its epoch, and its task runs. */
  #startEtcd(
    launch: MemberLaunch,
    etcd: Pick<SimEtcd, "id" | "peerUrl" | "clientUrl" | "epoch" | "learner">,
  ): void {
    this.etcds.push({
      id: etcd.id,
      name: launch.name,
      taskId: launch.taskId,
      peerUrl: etcd.peerUrl,
      clientUrl: etcd.clientUrl,
      epoch: etcd.epoch,
      alive: true,
      frozen: false,
      learner: etcd.learner,
      index: 0,
      activeSince: this.now,
    });
    this.#status(launch.taskId, "TASK_RUNNING", 1_000);
  }

  #order(e: Extract<Effect, { type: "executorOrder" }>): void {
    const t = this.tasks.get(e.taskId);
    if (t === undefined || !t.executorAlive || this.partitioned.has(t.launch.agentId)) {
      return; // never delivered; the core re-sends or passes over
    }
    const p = this.etcds.findLast((x) => x.taskId === e.taskId);
    const reply = (ok: boolean, etcd: "running" | "stopped", message: string) =>
      this.#later({
        type: "orderOutcome",
        orderId: e.order.id,
        taskId: e.taskId,
        op: e.order.op,
        ok,
        etcd,
        message,
      }, 300);
    if (p === undefined) return reply(false, "stopped", "no etcd");
    if (e.order.op === "stop") {
      p.alive = false;
      p.frozen = false;
      return reply(true, "stopped", "stopped");
    }
    if (e.order.op === "restart") {
      p.alive = true;
      p.activeSince = this.now;
      return reply(true, "running", "restarted");
    }
    // reseed: --force-new-cluster on its own data: a new epoch of one, the index kept. A
    // call still out to the old cluster can no longer change the new one.
    this.#checkSeed(p);
    this.#callOut = undefined;
    this.epochs.push({
      members: [{
        id: p.id,
        peerUrl: p.peerUrl,
        clientUrl: p.clientUrl,
        learner: false,
        name: p.name,
      }],
      commit: p.index,
    });
    p.epoch = this.epochs.length - 1;
    p.alive = true;
    p.frozen = false;
    p.learner = false;
    p.activeSince = this.now;
    reply(true, "running", "reseeded");
  }

  /**
   * The seed must hold the newest data of every etcd of its cluster that answered the probe
   * the reseed ranked from (stopped by a fence since, its data kept), and of every etcd that
   * still answers.
   */
  #checkSeed(seed: SimEtcd): void {
    const ranked = new Set(this.state.reseed?.reachable ?? []);
    for (const p of this.etcds) {
      if (p === seed || p.epoch !== seed.epoch) continue;
      const t = this.tasks.get(p.taskId);
      const dataKept = p.alive || (t !== undefined && !isTerminal(t.state)); // sandbox lives
      const heard = ranked.has(p.taskId) || (p.alive && !p.frozen);
      if (heard && dataKept && p.index > seed.index) {
        throw new InvariantError(
          `seeding ${seed.name}@${seed.index} discards ${p.name}@${p.index}, which answers`,
        );
      }
    }
  }

  #probe(targets: readonly { name: string; clientUrl: string }[]): Input {
    const results: ProbeMemberResult[] = [];
    let membershipEpoch: number | undefined;
    let readOk = false;
    for (const t of targets) {
      const p = this.#byUrl(t.clientUrl);
      if (p === undefined || p.frozen) {
        results.push({ name: t.name, reachable: false, error: "no answer" });
        continue;
      }
      const leader = this.leaderOf(p.epoch);
      if (leader !== undefined) {
        readOk = true;
        membershipEpoch = p.epoch;
      }
      membershipEpoch ??= p.epoch;
      results.push({
        name: t.name,
        reachable: true,
        memberId: p.id,
        raftIndex: p.index,
        raftTerm: p.epoch + 2,
        leader: leader ?? "0",
        isLearner: p.learner,
      });
    }
    return {
      type: "probe",
      results,
      linearizableReadOk: readOk,
      ...(membershipEpoch !== undefined ? { membership: this.#membership(membershipEpoch) } : {}),
    };
  }

  #offers(): void {
    if (this.#suppressed || this.now - this.#lastOffersAt < 1_000) return;
    this.#lastOffersAt = this.now;
    const offers = [];
    for (let a = 1; a <= this.#opts.agents; a++) {
      const agent = `a${a}`;
      if (this.partitioned.has(agent)) continue;
      if ((this.filters.get(agent) ?? 0) > this.now) continue;
      const busy = [...this.tasks.values()].some((t) =>
        t.launch.agentId === agent && !isTerminal(t.state)
      );
      if (busy) continue;
      offers.push({
        id: { value: `o-${agent}-${this.#nextId++}` },
        framework_id: { value: "fw-sim" },
        agent_id: { value: agent },
        hostname: `h${a}`,
        resources: [
          ...structuredClone(this.reserved.get(agent) ?? []),
          { name: "cpus", type: "SCALAR" as const, scalar: { value: 4 }, role: "*" },
          { name: "mem", type: "SCALAR" as const, scalar: { value: 4096 }, role: "*" },
          { name: "disk", type: "SCALAR" as const, scalar: { value: 10000 }, role: "*" },
          {
            name: "ports",
            type: "RANGES" as const,
            ranges: { range: [{ begin: 31000 + a * 100, end: 31000 + a * 100 + 99 }] },
            role: "*",
          },
        ],
      });
    }
    if (offers.length > 0) this.feed({ type: "offers", offers });
  }

  /** Advances the clock by `ms`: delivers due inputs, moves raft, offers, ticks. */
  advance(ms: number): void {
    const end = this.now + ms;
    while (this.now < end) {
      this.now = Math.min(end, this.now + 100);
      this.#raft();
      this.#queue.sort((a, b) => a.at - b.at);
      while (this.#queue.length > 0 && this.#queue[0]!.at <= this.now) {
        const { input } = this.#queue.shift()!;
        if (input.type === "etcdResult") this.#callOut = undefined;
        this.feed(input);
      }
      this.#offers();
      if (this.state.timerAt !== undefined && this.state.timerAt <= this.now) {
        this.feed({ type: "tick" });
      }
      this.#checkInvariants();
    }
  }

  #raft(): void {
    for (let i = 0; i < this.epochs.length; i++) {
      if (this.leaderOf(i) === undefined) continue;
      const ep = this.epochs[i]!;
      ep.commit++;
      for (const p of this.etcds) {
        if (p.epoch === i && p.alive && !p.frozen) p.index = ep.commit;
      }
    }
  }

  #checkInvariants(): void {
    const leading = this.leadingEpochs();
    if (leading.length > 1) {
      throw new InvariantError(`two clusters have a leader: epochs ${leading.join(", ")}`);
    }
  }

  // --- faults -----------------------------------------------------------------------------

  #liveTask(pick: number): SimTask | undefined {
    const live = [...this.tasks.values()].filter((t) => t.state === "TASK_RUNNING");
    return live.length === 0 ? undefined : live[Math.floor(pick * live.length)];
  }

  /** Applies one random fault; returns what it did. */
  fault(): string {
    const kind = Math.floor(this.rand() * 7);
    const t = this.#liveTask(this.rand());
    if (kind === 6) {
      // Known gap, not modelled: a scheduler restarted after every task ended knows no
      // member (reconciliation returns nothing) and bootstraps a new cluster, even if an
      // orphaned etcd still runs. Agents destroy containers, so orphans need a broken agent;
      // persisting the membership (issue 12) closes it.
      if (t === undefined) return "nothing to restart safely";
      this.restartScheduler();
      return "scheduler restarted";
    }
    if (t === undefined) return "nothing to break";
    const name = t.launch.name;
    const agent = t.launch.agentId;
    switch (kind) {
      case 0: // etcd dies; the executor gives up on it
        this.#killEtcdOf(t.launch.taskId);
        t.executorAlive = false;
        this.#status(t.launch.taskId, "TASK_FAILED", 500);
        return `etcd of ${name} killed`;
      case 1: // executor killed: the agent destroys the container
        this.#killEtcdOf(t.launch.taskId);
        t.executorAlive = false;
        this.#status(t.launch.taskId, "TASK_FAILED", 300);
        return `executor of ${name} killed`;
      case 2: // executor killed and its etcd left behind (an orphan)
        t.executorAlive = false;
        this.#status(t.launch.taskId, "TASK_FAILED", 300);
        return `executor of ${name} killed, etcd orphaned`;
      case 3: { // etcd frozen (SIGSTOP)
        const p = this.etcds.findLast((x) => x.taskId === t.launch.taskId && x.alive);
        if (p !== undefined) p.frozen = true;
        return `etcd of ${name} frozen`;
      }
      case 4: // agent partitioned from the master: its tasks are LOST, processes keep running
        this.partitioned.add(agent);
        this.#status(t.launch.taskId, "TASK_LOST", 2_000);
        return `agent ${agent} of ${name} partitioned`;
      default: { // a frozen etcd resumes, or a partition heals
        const frozen = this.etcds.find((p) => p.frozen && p.alive);
        if (frozen !== undefined) {
          frozen.frozen = false;
          return `etcd of ${frozen.name} resumed`;
        }
        return this.heal();
      }
    }
  }

  /** Heals every partition: the re-registering agents' tasks are killed (not partition-aware). */
  heal(): string {
    const healed = [...this.partitioned];
    for (const agent of healed) {
      this.partitioned.delete(agent);
      for (const t of this.tasks.values()) {
        if (t.launch.agentId !== agent) continue;
        this.#killEtcdOf(t.launch.taskId);
        t.executorAlive = false;
        if (!isTerminal(t.state) || t.state === "TASK_LOST") t.state = "TASK_KILLED";
      }
    }
    return healed.length > 0 ? `healed ${healed.join(",")}` : "nothing to heal";
  }

  /** Thaws every frozen etcd (SIGCONT): one that was killed meanwhile stays dead. */
  thaw(): void {
    for (const p of this.etcds) p.frozen = false;
  }

  /** Live etcd processes, for reports. */
  describe(): string {
    const procs = this.etcds.filter((p) => p.alive).map((p) =>
      `${p.name}#${p.id}@e${p.epoch}${p.frozen ? " frozen" : ""}${
        p.learner ? " learner" : ""
      } i=${p.index}`
    );
    const tasks = [...this.tasks.values()].filter((t) => !isTerminal(t.state)).map((t) =>
      `${t.launch.name}:${t.state}${t.executorAlive ? "" : " no-executor"}`
    );
    const configs = this.epochs.map((ep, i) =>
      `e${i}: ${ep.members.map((m) => `${m.name}#${m.id}${m.learner ? "L" : ""}`).join(",")}`
    );
    return `etcd [${procs.join("; ")}] tasks [${tasks.join("; ")}] config [${configs.join(" | ")}]`;
  }
}
