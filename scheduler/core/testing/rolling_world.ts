/**
 * A scenario world for rolling restarts (test-only): executors that carry out `restart`
 * orders and etcd's MoveLeader, with members that never come back or lag behind, and a
 * complete cluster to start from.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Effect } from "../effects.ts";
import type { Input } from "../inputs.ts";
import { isSettled } from "../liveness.ts";
import type { CoreOptions } from "../state.ts";
import { Harness, offer, settle, TEST_OPTIONS, World } from "./scenario_world.ts";

/**
 * The scenario world, with executors that carry out restart orders (etcd healthy again at
 * once, or never for `silent` members, or lagging `lag` entries behind) and etcd's
 * MoveLeader (the target becomes the leader: the first voter the world lists).
 */
export class RollingWorld extends World {
  /** `restart <member>` and `move <from> -> <to>`, in the order they happened. */
  log: string[] = [];
  /** Members whose restart never reports back (etcd does not come up). */
  silent = new Set<string>();
  /** Members that come back this many entries behind the leader. */
  lag = new Map<string, number>();
  /** Restarts answered before the rest are held (never answered): the scheduler "dies". */
  answerRestarts = Infinity;
  /** Restart orders seen, with their spec. */
  orders: Extract<Effect, { type: "executorOrder" }>[] = [];

  override answer(e: Effect): Input | undefined {
    if (e.type === "executorOrder" && e.order.op === "restart") {
      const name = this.tasks.get(e.taskId)!.launch.name;
      this.log.push(`restart ${name}`);
      this.orders.push(e);
      if (this.silent.has(name)) {
        this.unreachable.add(name);
        return undefined;
      }
      if (this.orders.length > this.answerRestarts) return undefined;
      return {
        type: "orderOutcome",
        orderId: e.order.id,
        taskId: e.taskId,
        op: "restart",
        ok: true,
        etcd: "running",
        message: "restart done: etcd is healthy",
      };
    }
    if (e.type === "etcdMoveLeader") {
      const target = this.members.find((m) => m.id === e.targetMemberId)!;
      this.log.push(`move ${e.from} -> ${e.to}`);
      this.members = [target, ...this.members.filter((m) => m !== target)];
      return { type: "leaderMoved", targetMemberId: e.targetMemberId, ok: true };
    }
    return super.answer(e);
  }

  override probe(names: string[]): Input {
    const p = super.probe(names);
    if (p.type !== "probe") return p;
    for (const r of p.results) {
      if (r.reachable) r.raftIndex = 1000 - (this.lag.get(r.name) ?? 0);
    }
    return p;
  }
}

/** Scenario options: 3 members, 5 s between destructive steps. */
export const OPTIONS = { ...TEST_OPTIONS, destructiveIntervalMs: 5_000 };

/** A complete, healthy cluster of `size` in a rolling world. */
export function complete(
  size = 3,
  options: Partial<CoreOptions> = {},
): { h: Harness; w: RollingWorld } {
  const h = new Harness({ ...OPTIONS, clusterSize: size, ...options });
  const w = new RollingWorld();
  const offers = Array.from({ length: size }, (_, i) => offer(i + 1));
  settle(h, w, [...h.connect(), ...h.feed({ type: "offers", offers })], size);
  for (let i = 0; i < 30 && !isSettled(h.state); i++) settle(h, w, h.tick(5_000), size);
  assert.ok(isSettled(h.state), "the cluster is complete");
  return { h, w };
}
