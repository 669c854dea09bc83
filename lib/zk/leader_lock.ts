/**
 * A leader lock in ZooKeeper for the schedulers of one framework, so that only one of them
 * subscribes to Mesos (two schedulers of one framework would otherwise fail each other over
 * at the master, back and forth).
 *
 * Each contender creates an ephemeral sequential znode `lock-<uuid>-<seq>` under
 * `<chroot>/<framework-name>_leader`, holding its id (e.g. `host:admin-port`). The lowest
 * sequence number holds the lock; every other contender watches its predecessor only (no herd
 * when the holder goes) and reports the holder's id. The holder's node disappears when its
 * session ends: at once on a clean {@linkcode LeaderLock.close}, and `sessionTimeoutMs` after
 * the holder died or lost ZooKeeper (default 4 s, so a standby takes over within seconds).
 *
 * While ZooKeeper is merely unreachable the status is kept: the session (and the lock) may
 * well survive, as it does across a ZooKeeper restart. When the session has expired the
 * lock is lost: the status becomes `{ held: false }` and the lock contends again with a new
 * session, which may win at once when nobody else was waiting.
 *
 * @example
 * ```ts
 * const lock = createLeaderLock({ zk: "zk://127.0.0.1:2181/etcd-mesos", frameworkName: "etcd", id: "host:23400" });
 * lock.onChange((s) => log.info(s.held ? "leading" : `standby: leader is ${s.leader}`));
 * await lock.acquire(); // resolves once held
 * await lock.close();   // releases it (the next contender takes over at once)
 * ```
 *
 * @module
 */
import { type Clock, systemClock } from "../clock.ts";
import { type Logger, silentLogger } from "../log.ts";
import { Backoff, waitFor } from "../mesos/backoff.ts";
import { ZkClient } from "./client.ts";
import { ZkError } from "./errors.ts";
import type { ZkConnectOptions } from "./session.ts";
import { formatZkUrl, parseZkUrl, type ZkUrl } from "./url.ts";
import { frameworkNode } from "./framework_node.ts";

/** The default ZooKeeper session timeout of a contender: how fast a standby takes over. */
export const DEFAULT_LOCK_SESSION_TIMEOUT_MS = 4000;

/** What a contender knows about the lock. */
export interface LeaderLockStatus {
  /** True while this contender holds the lock. */
  held: boolean;
  /** The holder's id (this contender's own while held); undefined while unknown. */
  leader?: string;
}

/** The lock was closed before it was acquired. */
export class LeaderLockClosedError extends Error {
  constructor(node: string) {
    super(`The leader lock ${node} is closed`);
    this.name = "LeaderLockClosedError";
  }
}

/** Options of {@linkcode createLeaderLock}. */
export interface LeaderLockOptions {
  /** `zk://[user:pass@]host:port[,...]/chroot` (`--zk-framework-persist`). */
  zk: string | ZkUrl;
  /** `--framework-name`: the lock is `<chroot>/<name>_leader`. */
  frameworkName: string;
  /** This contender's id, stored in its znode and shown by the others (e.g. `host:port`). */
  id: string;
  /** Session timeout; default {@linkcode DEFAULT_LOCK_SESSION_TIMEOUT_MS}. */
  sessionTimeoutMs?: number;
  /** Delays between sessions while ZooKeeper is unreachable (default 500 ms .. 5 s). */
  backoff?: { minMs?: number; maxMs?: number };
  logger?: Logger;
  clock?: Clock;
  /** Opens sessions; default {@linkcode ZkClient.connect}. */
  connect?: (servers: string, options: ZkConnectOptions) => Promise<ZkClient>;
}

/** One contender for the leader lock. */
export interface LeaderLock {
  /** The lock's parent znode, e.g. `/etcd-mesos/etcd_leader`. */
  readonly node: string;
  /** This contender's id. */
  readonly id: string;
  /** What is known now. */
  readonly status: LeaderLockStatus;
  /**
   * Starts contending (once) and resolves when the lock is held.
   *
   * @throws {LeaderLockClosedError} when the lock is closed first; `signal.reason` on abort.
   */
  acquire(signal?: AbortSignal): Promise<void>;
  /** Calls `listener` on every status change; returns a function that unsubscribes. */
  onChange(listener: (status: LeaderLockStatus) => void): () => void;
  /** Stops contending and ends the session (releasing the lock at once). Idempotent. */
  close(): Promise<void>;
}

/** The lock's parent znode for `frameworkName` under `chroot`. */
export function leaderLockNode(chroot: string, frameworkName: string): string {
  return frameworkNode(chroot, frameworkName, "leader");
}

const CONTENDER = /^lock-[0-9a-f-]+-([0-9]{10,})$/;

/** Contender names in lock order (lowest sequence first); foreign children are ignored. */
export function contendersInOrder(children: readonly string[]): string[] {
  return children
    .filter((c) => CONTENDER.test(c))
    .sort((a, b) => {
      const sa = BigInt(CONTENDER.exec(a)![1]!);
      const sb = BigInt(CONTENDER.exec(b)![1]!);
      return sa < sb ? -1 : sa > sb ? 1 : 0;
    });
}

/** The session is over (expired, closed): contend again with a new one. */
class SessionEnded extends Error {}

const TRANSIENT = new Set(["CONNECTION_LOSS", "OPERATION_TIMEOUT"]);
const FINAL_CODES = new Set(["SESSION_EXPIRED", "CLOSED", "AUTH_FAILED"]);

class ZkLeaderLock implements LeaderLock {
  readonly node: string;
  readonly id: string;
  readonly #zk: ZkUrl;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #sessionTimeoutMs: number;
  readonly #backoff: { minMs: number; maxMs: number };
  readonly #connect: NonNullable<LeaderLockOptions["connect"]>;
  readonly #closing = new AbortController();
  readonly #listeners = new Set<(status: LeaderLockStatus) => void>();
  #status: LeaderLockStatus = { held: false };
  #client: ZkClient | undefined;
  #running: Promise<void> | undefined;

  constructor(options: LeaderLockOptions) {
    this.#zk = typeof options.zk === "string" ? parseZkUrl(options.zk) : options.zk;
    this.node = leaderLockNode(this.#zk.chroot, options.frameworkName);
    if (typeof options.id !== "string" || options.id === "") {
      throw new TypeError(`Cannot contend for ${this.node} with id ${JSON.stringify(options.id)}`);
    }
    this.id = options.id;
    this.#log = (options.logger ?? silentLogger).child({ component: "leader-lock" });
    this.#clock = options.clock ?? systemClock;
    this.#sessionTimeoutMs = options.sessionTimeoutMs ?? DEFAULT_LOCK_SESSION_TIMEOUT_MS;
    this.#backoff = {
      minMs: options.backoff?.minMs ?? 500,
      maxMs: options.backoff?.maxMs ?? 5000,
    };
    this.#connect = options.connect ?? ((s, o) => ZkClient.connect(s, o));
  }

  get status(): LeaderLockStatus {
    return { ...this.#status };
  }

  acquire(signal?: AbortSignal): Promise<void> {
    if (this.#closing.signal.aborted) {
      return Promise.reject(new LeaderLockClosedError(this.node));
    }
    this.#running ??= this.#campaign();
    if (this.#status.held) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        off();
        signal?.removeEventListener("abort", onAbort);
        this.#closing.signal.removeEventListener("abort", onClose);
      };
      const off = this.onChange((s) => {
        if (s.held) {
          done();
          resolve();
        }
      });
      const onAbort = () => {
        done();
        reject(signal!.reason);
      };
      const onClose = () => {
        done();
        reject(new LeaderLockClosedError(this.node));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#closing.signal.addEventListener("abort", onClose, { once: true });
    });
  }

  onChange(listener: (status: LeaderLockStatus) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (!this.#closing.signal.aborted) this.#closing.abort(new LeaderLockClosedError(this.node));
    await this.#client?.close();
    await this.#running;
    this.#set({ held: false });
  }

  #set(status: LeaderLockStatus): void {
    const prev = this.#status;
    if (prev.held === status.held && prev.leader === status.leader) return;
    this.#status = { ...status };
    if (status.held) this.#log.info("leader lock held", { node: this.node, id: this.id });
    else if (prev.held && this.#closing.signal.aborted) {
      this.#log.info("leader lock released", { node: this.node, id: this.id });
    } else if (prev.held) {
      this.#log.warn("leader lock lost", { node: this.node, leader: status.leader });
    } else if (status.leader !== undefined) {
      this.#log.info("standing by", { node: this.node, leader: status.leader });
    }
    for (const listener of [...this.#listeners]) {
      try {
        listener(this.status);
      } catch (error) {
        this.#log.error("leader lock listener threw", { error });
      }
    }
  }

  /** Sessions one after another until closed. */
  async #campaign(): Promise<void> {
    const backoff = new Backoff(this.#backoff);
    const signal = this.#closing.signal;
    while (!signal.aborted) {
      let client: ZkClient | undefined;
      try {
        client = await this.#connect(this.#zk.servers, {
          sessionTimeoutMs: this.#sessionTimeoutMs,
          connectTimeoutMs: Math.max(this.#sessionTimeoutMs, 5000),
          retryDelayMs: Math.min(this.#backoff.minMs, 1000),
          logger: this.#log,
          auth: this.#zk.auth,
          signal,
        });
        this.#client = client;
        if (signal.aborted) break;
        backoff.reset();
        await this.#contend(client);
      } catch (error) {
        if (signal.aborted) break;
        if (!(error instanceof SessionEnded)) {
          const delayMs = backoff.next();
          this.#log.warn("ZooKeeper unreachable; contending for the leader lock again", {
            zk: formatZkUrl(this.#zk, { mask: true }),
            error,
            delayMs,
          });
          this.#set({ held: false });
          await client?.close();
          await waitFor(delayMs, this.#clock, signal).catch(() => {});
          continue;
        }
      } finally {
        this.#client = undefined;
        await client?.close();
      }
      this.#set({ held: false });
    }
  }

  /** Contends on one session until it ends (throws {@linkcode SessionEnded}). */
  async #contend(zk: ZkClient): Promise<void> {
    let wake = () => {};
    const ended = () =>
      zk.state === "expired" || zk.state === "closed" || zk.state === "auth_failed";
    const off = zk.onStateChange(() => ended() && wake());
    const onClose = () => wake();
    this.#closing.signal.addEventListener("abort", onClose);
    const prefix = `lock-${crypto.randomUUID()}-`;
    try {
      await this.#retry(zk, () => zk.mkdirp(this.node));
      let mine = await this.#own(zk, prefix);
      for (;;) {
        if (ended() || this.#closing.signal.aborted) throw new SessionEnded();
        const changed = new Promise<void>((resolve) => wake = resolve);
        const order = contendersInOrder(await this.#retry(zk, () => zk.getChildren(this.node)));
        const at = order.indexOf(mine);
        if (at < 0) {
          this.#log.warn("leader lock node vanished; contending again", { node: mine });
          this.#set({ held: false });
          mine = await this.#own(zk, prefix);
          continue;
        }
        let leader = this.id;
        if (at > 0) {
          const holder = await this.#retry(zk, () => this.#dataOf(zk, order[0]!));
          if (holder === undefined) continue; // gone meanwhile: look again
          leader = holder;
        }
        // Watch our own node while holding (someone may delete it), else the predecessor;
        // with three or more contenders also the holder, to keep `leader` current.
        const watched = at === 0 ? [mine] : at === 1 ? [order[0]!] : [order[at - 1]!, order[0]!];
        let gone = false;
        for (const name of watched) {
          const stat = await this.#retry(zk, () => zk.exists(`${this.node}/${name}`, () => wake()));
          if (stat === undefined) gone = true;
        }
        if (gone) continue;
        this.#set({ held: at === 0, leader });
        await changed;
      }
    } finally {
      off();
      this.#closing.signal.removeEventListener("abort", onClose);
    }
  }

  /** Our contender node of this session: found by its prefix, or created. */
  async #own(zk: ZkClient, prefix: string): Promise<string> {
    for (;;) {
      const existing = (await this.#retry(zk, () => zk.getChildren(this.node)))
        .find((c) => c.startsWith(prefix));
      if (existing !== undefined) return existing;
      try {
        const path = await zk.create(`${this.node}/${prefix}`, this.id, "ephemeral_sequential");
        return path.slice(path.lastIndexOf("/") + 1);
      } catch (error) {
        // After a connection loss the node may exist anyway: look for it by its prefix.
        if (!(error instanceof ZkError && TRANSIENT.has(error.code))) throw this.#final(error);
        await this.#pause();
      }
    }
  }

  async #dataOf(zk: ZkClient, name: string): Promise<string | undefined> {
    try {
      return new TextDecoder().decode((await zk.getData(`${this.node}/${name}`)).data);
    } catch (error) {
      if (error instanceof ZkError && error.code === "NO_NODE") return undefined;
      throw error;
    }
  }

  /** Runs `op`, again after transient errors (the session may still live). */
  async #retry<T>(zk: ZkClient, op: () => Promise<T>): Promise<T> {
    for (;;) {
      if (this.#closing.signal.aborted) throw new SessionEnded();
      try {
        return await op();
      } catch (error) {
        if (!(error instanceof ZkError && TRANSIENT.has(error.code))) throw this.#final(error);
        if (zk.state === "expired" || zk.state === "closed") throw new SessionEnded();
        await this.#pause();
      }
    }
  }

  #final(error: unknown): unknown {
    return error instanceof ZkError && FINAL_CODES.has(error.code) ? new SessionEnded() : error;
  }

  #pause(): Promise<void> {
    return waitFor(200, this.#clock, this.#closing.signal).catch(() => {});
  }
}

/**
 * Creates a contender for `options.frameworkName`'s leader lock; nothing connects until
 * {@linkcode LeaderLock.acquire}.
 *
 * @throws {TypeError | RangeError} naming a malformed `zk` URL, framework name or id.
 */
export function createLeaderLock(options: LeaderLockOptions): LeaderLock {
  return new ZkLeaderLock(options);
}
