/**
 * Leadership among schedulers of one framework: the ZooKeeper leader lock (only its holder
 * reads the framework id and subscribes; the others stand by and say who leads), and the
 * framework id store. Losing the lock to another scheduler aborts `steppedDown` (exit 1).
 *
 * @module
 */
import type { Logger } from "../lib/log.ts";
import {
  createFrameworkIdStore,
  FrameworkIdError,
  type FrameworkIdStore,
} from "../lib/zk/framework_id_store.ts";
import { createLeaderLock, type LeaderLock, LeaderLockClosedError } from "../lib/zk/leader_lock.ts";
import type { SchedulerHistory } from "./admin/history.ts";
import type { Config } from "./config.ts";

/** What the admin API reads: the running shell (set by main), or why this one stands by. */
export interface Standing {
  standby?: string;
}

/** The outcome of {@linkcode lead}: leading (with the stored id), or an exit code. */
export type Leadership =
  | { leading: true; frameworkId?: string; store?: FrameworkIdStore; steppedDown: AbortSignal }
  | { leading: false; exitCode: number };

export async function loadFrameworkId(
  store: FrameworkIdStore,
  stop: AbortSignal,
  log: Logger,
): Promise<string | undefined | "stopped"> {
  const onStop = () => void store.close();
  stop.addEventListener("abort", onStop, { once: true });
  try {
    const id = await store.load();
    log.info(id ? "resuming framework" : "no framework id stored; registering a new framework", {
      frameworkId: id,
      node: store.node,
    });
    return id;
  } catch (error) {
    if (stop.aborted) return "stopped";
    throw error;
  } finally {
    stop.removeEventListener("abort", onStop);
  }
}

/**
 * Waits for the leader lock; false when stopped first. Meanwhile the admin API says who leads.
 */
export async function acquireLock(
  lock: LeaderLock,
  stop: AbortSignal,
  log: Logger,
): Promise<boolean> {
  log.info("contending for the leader lock", { node: lock.node, id: lock.id });
  try {
    await lock.acquire(stop);
    return true;
  } catch (error) {
    if (stop.aborted || error instanceof LeaderLockClosedError) return false;
    throw error;
  }
}

/**
 * Takes the leader lock (waiting while another scheduler leads) and reads the framework id.
 * An ephemeral framework leads at once with no id. Cleanup steps are pushed onto `cleanup`.
 */
export async function lead(
  c: Config,
  deps: {
    id: string;
    standing: Standing;
    history: SchedulerHistory;
    stop: AbortSignal;
    log: Logger;
    cleanup: (() => void | Promise<void>)[];
  },
): Promise<Leadership> {
  const { standing: current, history, stop, log, cleanup } = deps;
  // Only the holder of the leader lock subscribes; the lock is released last, after the
  // subscription is closed. Losing it to another scheduler ends this one (exit 1).
  const steppedDown = new AbortController();
  let store: FrameworkIdStore | undefined;
  let frameworkId: string | undefined;
  if (!c.ephemeral) {
    const lock = createLeaderLock({
      zk: c.zkFrameworkPersist!,
      frameworkName: c.frameworkName,
      id: deps.id,
      logger: log,
    });
    let leading = false;
    let releasing = false;
    let held = false;
    cleanup.push(() => {
      releasing = true;
      return lock.close();
    });
    lock.onChange((status) => {
      if (releasing) return;
      if (held && !status.held) history.leaderLockLost();
      held = status.held;
      if (!leading) {
        current.standby = status.held
          ? undefined
          : status.leader === undefined
          ? "leader unknown (ZooKeeper unreachable?)"
          : `leader is ${status.leader}`;
      } else if (!status.held && status.leader !== undefined && !steppedDown.signal.aborted) {
        log.error("another scheduler holds the leader lock now; stepping down", {
          leader: status.leader,
        });
        current.standby = `leader is ${status.leader}`;
        steppedDown.abort(new Error(`the leader lock went to ${status.leader}`));
      } else if (!status.held) {
        log.warn(
          "leader lock lost (ZooKeeper session expired or lock node deleted); still subscribed, " +
            "contending again",
        );
      }
    });
    if (!await acquireLock(lock, stop, log)) return { leading: false, exitCode: 0 };
    leading = true;
    current.standby = undefined;
    store = createFrameworkIdStore({
      zk: c.zkFrameworkPersist!,
      frameworkName: c.frameworkName,
      logger: log,
    });
    const opened = store;
    cleanup.push(() => opened.close());
    try {
      const loaded = await loadFrameworkId(store, stop, log);
      if (loaded === "stopped") return { leading: false, exitCode: 0 };
      frameworkId = loaded;
    } catch (error) {
      if (!(error instanceof FrameworkIdError)) throw error;
      log.error("cannot read the framework id", { error: error.message });
      return { leading: false, exitCode: 1 };
    }
    if (steppedDown.signal.aborted) return { leading: false, exitCode: 1 };
  }
  return { leading: true, frameworkId, store, steppedDown: steppedDown.signal };
}
