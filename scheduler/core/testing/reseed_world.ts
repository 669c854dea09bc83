/**
 * A simulated world for reseed scenarios (test-only): the core's {@linkcode World} plus raft
 * indexes per member, quorum-aware probes (no leader without a quorum), and executors that
 * answer maintenance orders the way `contract/orders.ts` describes.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Effect } from "../effects.ts";
import type { Input, ProbeMemberResult } from "../inputs.ts";
import type { CoreOptions } from "../state.ts";
import { Harness, offer, settle, TEST_OPTIONS, World } from "./scenario_world.ts";

/** Options for reseed scenarios: 3 members, 60 s reseed timeout, short grace. */
export const RESEED_OPTIONS: Partial<CoreOptions> = {
  ...TEST_OPTIONS,
  reseedTimeoutMs: 60_000,
  autoReseed: true,
};

/** The world of a reseed scenario. */
export class ReseedWorld extends World {
  /** Raft index each member reports (default 100). */
  index = new Map<string, number>();
  /** Members whose etcd was stopped by a `stop` order. */
  stopped = new Set<string>();
  /** Members whose executor reports a failed reseed. */
  failSeed = new Set<string>();
  /** Members whose executor never answers a reseed order (and whose etcd stays down). */
  hangSeed = new Set<string>();
  /** Members whose executor never answers a stop order (etcd keeps its state). */
  hangStop = new Set<string>();
  /** While true, orders are queued in `held` instead of answered. */
  holdOrders = false;
  held: Extract<Effect, { type: "executorOrder" }>[] = [];
  /** Every order received, as `op name` (stop orders to `hangStop` members are lost). */
  orders: string[] = [];

  #name(taskId: string): string {
    const t = this.tasks.get(taskId);
    if (t === undefined) throw new Error(`no task ${taskId}`);
    return t.launch.name;
  }

  override answer(e: Effect): Input | undefined {
    if (e.type !== "executorOrder") return super.answer(e);
    if (this.holdOrders) {
      this.held.push(e);
      return undefined;
    }
    return this.order(e);
  }

  /** The executor's outcome of one order. */
  order(e: Extract<Effect, { type: "executorOrder" }>): Input | undefined {
    const name = this.#name(e.taskId);
    // A member relaunched in place on its volume runs executor `…-r<n>`.
    const port = this.tasks.get(e.taskId)!.launch.peerPort;
    assert.match(e.executorId, new RegExp(`^etcd-executor-${name}-${port}(-r\\d+)?$`));
    if (e.order.op === "stop" && this.hangStop.has(name)) return undefined;
    this.orders.push(`${e.order.op} ${name}`);
    const base = { type: "orderOutcome" as const, orderId: e.order.id, taskId: e.taskId };
    if (e.order.op === "stop") {
      this.stopped.add(name);
      return { ...base, op: "stop", ok: true, etcd: "stopped", message: "etcd stopped" };
    }
    if (e.order.op === "restart") {
      this.stopped.delete(name);
      return { ...base, op: "restart", ok: true, etcd: "running", message: "restarted" };
    }
    if (this.hangSeed.has(name)) {
      this.stopped.add(name);
      return undefined;
    }
    if (this.failSeed.has(name)) {
      this.stopped.add(name);
      return { ...base, op: "reseed", ok: false, etcd: "stopped", message: "etcd exited" };
    }
    // --force-new-cluster: the member keeps its id and becomes the only one.
    this.stopped.delete(name);
    this.unreachable.delete(name);
    const t = this.tasks.get(e.taskId)!;
    const me = this.memberOf(t.launch);
    assert.ok(me, `${name} is an etcd member`);
    this.members = [{ ...me, isLearner: false }];
    return { ...base, op: "reseed", ok: true, etcd: "running", message: "reseed done" };
  }

  /** Answers the held orders and returns the outcomes. */
  release(): Input[] {
    const out = this.held.map((e) => this.order(e)).filter((i) => i !== undefined);
    this.held = [];
    return out;
  }

  override probe(names: string[]): Input {
    const up = (name: string) => {
      const t = [...this.tasks.values()].find((x) => x.launch.name === name);
      const m = t && this.memberOf(t.launch);
      const ok = t !== undefined && m !== undefined && t.state === "TASK_RUNNING" &&
        !this.unreachable.has(name) && !this.stopped.has(name);
      return ok ? m : undefined;
    };
    const voters = this.members.filter((m) => !m.isLearner);
    const upVoters = voters.filter((v) => names.some((n) => up(n)?.id === v.id));
    const quorate = upVoters.length >= Math.floor(voters.length / 2) + 1;
    const leader = quorate ? upVoters[0]!.id : "0";
    // Learners have caught up with the most advanced voter.
    const top = Math.max(
      0,
      ...names.filter((n) => up(n)?.isLearner === false).map((n) => this.index.get(n) ?? 100),
    );
    const results: ProbeMemberResult[] = names.map((name) => {
      const m = up(name);
      if (m === undefined) return { name, reachable: false, error: "connection refused" };
      m.name = name;
      return {
        name,
        reachable: true,
        memberId: m.id,
        raftIndex: m.isLearner ? top : this.index.get(name) ?? 100,
        raftTerm: "2",
        leader,
        isLearner: m.isLearner,
      };
    });
    return {
      type: "probe",
      results,
      linearizableReadOk: quorate,
      membership: structuredClone(this.members),
    };
  }
}

/** A complete, healthy cluster of `size` members (etcd-1.. on agents a1..). */
export function completeCluster(
  size: number,
  options: Partial<CoreOptions> = {},
): { h: Harness; w: ReseedWorld } {
  const h = new Harness({ ...RESEED_OPTIONS, clusterSize: size, ...options });
  const w = new ReseedWorld();
  settle(h, w, [...h.connect(), ...h.feed({ type: "offers", offers: [offer(1), offer(2)] })], 7);
  assert.equal(h.state.members.length, size);
  assert.equal(h.state.health.healthy, true);
  return { h, w };
}

/** Ticks `ms` in steps of `every`, settling each; returns every effect. */
export function run(h: Harness, w: ReseedWorld, ms: number, every = 5_000): Effect[] {
  const seen: Effect[] = [];
  for (let t = 0; t < ms; t += every) seen.push(...settle(h, w, h.tick(every), 7));
  return seen;
}
