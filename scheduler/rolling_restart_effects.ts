/**
 * Performs the rolling restart's effects (scheduler/core/rolling_restart.ts): etcd's
 * MoveLeader on the leader, answered as a `leaderMoved` input, and storing the run's record
 * (written one after another, so the newest record is the one kept).
 *
 * @module
 */
import type { EtcdAdmin } from "../lib/etcd/admin.ts";
import type { Logger } from "../lib/log.ts";
import type { Input } from "./core/inputs.ts";
import type { RollingRestartEffect, RollingRestartRecord } from "./core/rolling_restart_run.ts";

/** What {@linkcode RollingRestartEffects} needs. */
export interface RollingRestartEffectDeps {
  etcd: EtcdAdmin;
  feed(input: Input): void;
  /** Stores the record (ZooKeeper); absent for an ephemeral framework. */
  persist?: (record: RollingRestartRecord) => Promise<void>;
  logger: Logger;
}

/** Runs rolling-restart effects; see the module comment. */
export class RollingRestartEffects {
  readonly #deps: RollingRestartEffectDeps;
  #writes: Promise<void> = Promise.resolve();

  constructor(deps: RollingRestartEffectDeps) {
    this.#deps = deps;
  }

  /** Performs `effect`; the promise settles when it is done (it never rejects). */
  run(effect: RollingRestartEffect): Promise<void> {
    const d = this.#deps;
    if (effect.type === "persistRollingRestart") {
      if (d.persist === undefined) {
        d.logger.debug("the rolling restart is not persisted (ephemeral)");
        return Promise.resolve();
      }
      const persist = d.persist;
      this.#writes = this.#writes.then(() =>
        persist(effect.record).catch((error) =>
          d.logger.error("cannot persist the rolling restart", { error })
        )
      );
      return this.#writes;
    }
    const { leaderEndpoint, targetMemberId, from, to } = effect;
    d.logger.warn("moving etcd leadership", { from, to, endpoint: leaderEndpoint });
    const move = d.etcd.moveLeader;
    if (move === undefined) {
      d.feed({ type: "leaderMoved", targetMemberId, ok: false, detail: "no MoveLeader client" });
      return Promise.resolve();
    }
    return move.call(d.etcd, leaderEndpoint, targetMemberId).then(
      () => d.feed({ type: "leaderMoved", targetMemberId, ok: true }),
      (error) => {
        const detail = error instanceof Error ? error.message : String(error);
        d.logger.warn("MoveLeader failed", { from, to, error: detail });
        d.feed({ type: "leaderMoved", targetMemberId, ok: false, detail });
      },
    );
  }
}
