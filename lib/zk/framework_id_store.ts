/**
 * Where the scheduler keeps its Mesos framework id across restarts: the persistent znode
 * `<chroot>/<framework-name>_framework_id` holding the raw id bytes, as the original
 * etcd-mesos did.
 *
 * Every operation runs in order on one lazily opened ZooKeeper session. While ZooKeeper is
 * unreachable an operation is retried with backoff (the returned promise settles once it
 * succeeds), so a caller that does not await it (`save` from the scheduler loop) is never
 * blocked. A node holding something that is not a plausible framework id is reported with an
 * error naming the node and the value, and left untouched.
 *
 * @example
 * ```ts
 * const store = createFrameworkIdStore({ zk: "zk://127.0.0.1:2181/etcd-mesos", frameworkName: "etcd" });
 * const id = await store.load(); // undefined on first start
 * store.save("3b2c...-0000").catch(...);
 * await store.close();
 * ```
 *
 * @module
 */
import { type Clock, systemClock } from "../clock.ts";
import { type Logger, silentLogger } from "../log.ts";
import { Backoff, waitFor } from "../mesos/backoff.ts";
import { ZkClient } from "./client.ts";
import { ZkConnectError, ZkError } from "./errors.ts";
import type { ZkConnectOptions } from "./session.ts";
import { formatZkUrl, parseZkUrl, type ZkUrl } from "./url.ts";
import { frameworkNode } from "./framework_node.ts";

/** The stored value is not a plausible framework id; nothing was changed. */
export class FrameworkIdError extends Error {
  /** The znode read. */
  readonly node: string;
  /** What it held (decoded as UTF-8, invalid bytes replaced). */
  readonly value: string;

  constructor(node: string, value: string) {
    super(
      `ZooKeeper node ${node} holds ${
        JSON.stringify(value.length > 200 ? value.slice(0, 197) + "..." : value)
      }, which is not a Mesos framework id; fix or delete the node`,
    );
    this.name = "FrameworkIdError";
    this.node = node;
    this.value = value;
  }
}

/** The store was closed; pending and later operations fail with this. */
export class FrameworkIdStoreClosedError extends Error {
  constructor(node: string) {
    super(`The framework id store for ${node} is closed`);
    this.name = "FrameworkIdStoreClosedError";
  }
}

/** Options of {@linkcode createFrameworkIdStore}. */
export interface FrameworkIdStoreOptions {
  /** `zk://[user:pass@]host:port[,...]/chroot` (`--zk-framework-persist`). */
  zk: string | ZkUrl;
  /** `--framework-name`: the node is `<chroot>/<name>_framework_id`. */
  frameworkName: string;
  logger?: Logger;
  clock?: Clock;
  /** ZooKeeper session timeout; also how long one connection attempt may take. Default 10000. */
  sessionTimeoutMs?: number;
  /** Retry delays while ZooKeeper is unreachable (default 500 ms doubling up to 10 s). */
  backoff?: { minMs?: number; maxMs?: number };
  /** Opens sessions; default {@linkcode ZkClient.connect}. */
  connect?: (servers: string, options: ZkConnectOptions) => Promise<ZkClient>;
}

/** The framework id in ZooKeeper. */
export interface FrameworkIdStore {
  /** The znode path, e.g. `/etcd-mesos/etcd_framework_id`. */
  readonly node: string;
  /**
   * The stored id, or `undefined` when the node does not exist.
   *
   * @throws {FrameworkIdError} when the node holds something else than a framework id.
   */
  load(): Promise<string | undefined>;
  /**
   * Stores `id` (creating the chroot and the node as needed).
   *
   * @throws {TypeError} naming `id` when it is not a plausible framework id.
   */
  save(id: string): Promise<void>;
  /** Deletes the node (absent is fine). */
  clear(): Promise<void>;
  /** Stops retrying and closes the session; pending operations reject. Idempotent. */
  close(): Promise<void>;
}

/** The znode of `frameworkName`'s id under `chroot`. */
export function frameworkIdNode(chroot: string, frameworkName: string): string {
  return frameworkNode(chroot, frameworkName, "framework_id");
}

/**
 * True for what a Mesos master mints as a framework id: `<master id>-<4+ digits>`, at most
 * 255 printable characters without `/` or `\`.
 */
export function isPlausibleFrameworkId(value: string): boolean {
  return value.length <= 255 && /^[A-Za-z0-9][A-Za-z0-9._:-]*-[0-9]{4,}$/.test(value);
}

/** Error codes after which the session is no use and a new one is needed. */
const RETRY_CODES: ReadonlySet<string> = new Set([
  "CONNECTION_LOSS",
  "SESSION_EXPIRED",
  "SESSION_MOVED",
  "OPERATION_TIMEOUT",
  "CLOSED",
  "SYSTEM_ERROR",
]);

const decoder = new TextDecoder();

class ZkFrameworkIdStore implements FrameworkIdStore {
  readonly node: string;
  readonly #zk: ZkUrl;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #sessionTimeoutMs: number;
  readonly #backoff: { minMs: number; maxMs: number };
  readonly #connect: NonNullable<FrameworkIdStoreOptions["connect"]>;
  readonly #closing = new AbortController();
  #client: ZkClient | undefined;
  #chain: Promise<unknown> = Promise.resolve();

  constructor(options: FrameworkIdStoreOptions) {
    this.#zk = typeof options.zk === "string" ? parseZkUrl(options.zk) : options.zk;
    this.node = frameworkIdNode(this.#zk.chroot, options.frameworkName);
    this.#log = (options.logger ?? silentLogger).child({
      component: "framework-id-store",
      node: this.node,
    });
    this.#clock = options.clock ?? systemClock;
    this.#sessionTimeoutMs = options.sessionTimeoutMs ?? 10_000;
    this.#backoff = {
      minMs: options.backoff?.minMs ?? 500,
      maxMs: options.backoff?.maxMs ?? 10_000,
    };
    this.#connect = options.connect ?? ((s, o) => ZkClient.connect(s, o));
  }

  load(): Promise<string | undefined> {
    return this.#enqueue("load", async (zk) => {
      let data: Uint8Array;
      try {
        data = (await zk.getData(this.node)).data;
      } catch (error) {
        if (error instanceof ZkError && error.code === "NO_NODE") return undefined;
        throw error;
      }
      const value = decoder.decode(data);
      if (!isPlausibleFrameworkId(value)) throw new FrameworkIdError(this.node, value);
      return value;
    });
  }

  save(id: string): Promise<void> {
    if (typeof id !== "string" || !isPlausibleFrameworkId(id)) {
      return Promise.reject(
        new TypeError(`Cannot save framework id ${JSON.stringify(id)}: not a Mesos framework id`),
      );
    }
    return this.#enqueue("save", async (zk) => {
      await zk.mkdirp(this.#zk.chroot);
      try {
        await zk.create(this.node, id, "persistent");
      } catch (error) {
        if (!(error instanceof ZkError && error.code === "NODE_EXISTS")) throw error;
        await zk.setData(this.node, id);
      }
      this.#log.info("framework id saved", { frameworkId: id });
    });
  }

  clear(): Promise<void> {
    return this.#enqueue("clear", async (zk) => {
      try {
        await zk.remove(this.node);
        this.#log.warn("framework id cleared");
      } catch (error) {
        if (!(error instanceof ZkError && error.code === "NO_NODE")) throw error;
      }
    });
  }

  async close(): Promise<void> {
    if (!this.#closing.signal.aborted) {
      this.#closing.abort(new FrameworkIdStoreClosedError(this.node));
    }
    // Closing the session first fails a call stuck on a lost connection.
    await this.#dropSession();
    await this.#chain.catch(() => {});
    await this.#dropSession();
  }

  /** Runs `op` after every earlier operation, retrying it while ZooKeeper is unreachable. */
  #enqueue<T>(what: string, op: (zk: ZkClient) => Promise<T>): Promise<T> {
    const run = this.#chain.catch(() => {}).then(() => this.#retrying(what, op));
    this.#chain = run;
    return run;
  }

  async #retrying<T>(what: string, op: (zk: ZkClient) => Promise<T>): Promise<T> {
    const backoff = new Backoff(this.#backoff);
    const signal = this.#closing.signal;
    for (;;) {
      if (signal.aborted) throw signal.reason;
      try {
        return await op(await this.#session());
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        if (!retryable(error)) throw error;
        await this.#dropSession();
        const delayMs = backoff.next();
        this.#log.warn(`ZooKeeper unreachable; retrying ${what}`, {
          zk: formatZkUrl(this.#zk, { mask: true }),
          error,
          delayMs,
          attempt: backoff.attempts,
        });
        await waitFor(delayMs, this.#clock, signal).catch(() => {});
      }
    }
  }

  async #session(): Promise<ZkClient> {
    const current = this.#client;
    if (current !== undefined && (current.state === "connected" || current.state === "read_only")) {
      return current;
    }
    await this.#dropSession();
    const client = await this.#connect(this.#zk.servers, {
      sessionTimeoutMs: this.#sessionTimeoutMs,
      connectTimeoutMs: this.#sessionTimeoutMs,
      retryDelayMs: Math.min(this.#backoff.minMs, 1000),
      logger: this.#log,
      auth: this.#zk.auth,
      signal: this.#closing.signal,
    });
    if (this.#closing.signal.aborted) {
      await client.close();
      throw this.#closing.signal.reason;
    }
    this.#client = client;
    return client;
  }

  async #dropSession(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    await client?.close();
  }
}

function retryable(error: unknown): boolean {
  if (error instanceof ZkError) return RETRY_CODES.has(error.code);
  if (error instanceof ZkConnectError) return error.reason !== "auth_failed";
  // ZkConnectError (timeout, expired) and socket errors: try a new session later.
  return error instanceof Error && !(error instanceof FrameworkIdError) &&
    !(error instanceof TypeError) && !(error instanceof RangeError);
}

/**
 * Creates a store for `options.frameworkName`'s id under the `zk://` chroot. Nothing connects
 * until the first operation.
 *
 * @throws {TypeError | RangeError} naming a malformed `zk` URL or framework name.
 */
export function createFrameworkIdStore(options: FrameworkIdStoreOptions): FrameworkIdStore {
  return new ZkFrameworkIdStore(options);
}
