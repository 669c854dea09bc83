/**
 * One persistent znode whose data is read and replaced whole (e.g. a JSON document), on one
 * lazily opened ZooKeeper session. Writes are checked against the version last read or
 * written, so a second writer (another scheduler that took over) is noticed instead of being
 * overwritten: the write fails with {@linkcode ZnodeConflictError} (unless `overwrite` is
 * set: the last writer wins). While ZooKeeper is unreachable an operation is retried with
 * backoff until it succeeds or the blob is closed. `record_store.ts` puts typed records on it.
 *
 * @example
 * ```ts
 * const blob = createZnodeBlob({ zk: "zk://127.0.0.1:2181/etcd-mesos", node: "/etcd-mesos/etcd_events" });
 * const before = await blob.read(); // undefined when the node does not exist
 * await blob.write(JSON.stringify(doc));
 * await blob.close();
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

/** The node changed since this blob last read or wrote it: someone else writes it too. */
export class ZnodeConflictError extends Error {
  /** The znode. */
  readonly node: string;
  /** The version this blob expected. */
  readonly expected: number;

  constructor(node: string, expected: number) {
    super(`ZooKeeper node ${node} was changed by another writer (expected version ${expected})`);
    this.name = "ZnodeConflictError";
    this.node = node;
    this.expected = expected;
  }
}

/** The blob was closed; pending and later operations fail with this. */
export class ZnodeBlobClosedError extends Error {
  constructor(node: string) {
    super(`The ZooKeeper blob ${node} is closed`);
    this.name = "ZnodeBlobClosedError";
  }
}

/** Options of {@linkcode createZnodeBlob}. */
export interface ZnodeBlobOptions {
  /** `zk://[user:pass@]host:port[,...]/chroot`; the chroot is created on the first write. */
  zk: string | ZkUrl;
  /** The node's absolute path (normally under the chroot). */
  node: string;
  logger?: Logger;
  clock?: Clock;
  /** ZooKeeper session timeout; also how long one connection attempt may take. Default 10000. */
  sessionTimeoutMs?: number;
  /** Retry delays while ZooKeeper is unreachable (default 500 ms doubling up to 10 s). */
  backoff?: { minMs?: number; maxMs?: number };
  /** Writes replace whatever the node holds, without the version check. Default false. */
  overwrite?: boolean;
  /** Opens sessions; default {@linkcode ZkClient.connect}. */
  connect?: (servers: string, options: ZkConnectOptions) => Promise<ZkClient>;
}

/** A znode read and written whole. */
export interface ZnodeBlob {
  /** The znode path. */
  readonly node: string;
  /** The node's data, or `undefined` when it does not exist. Remembers its version. */
  read(): Promise<Uint8Array | undefined>;
  /**
   * Replaces the node's data (creating the chroot and the node as needed).
   *
   * @throws {ZnodeConflictError} when the node changed since this blob last read or wrote it.
   */
  write(data: Uint8Array | string): Promise<void>;
  /** Deletes the node (absent is fine); true when there was one. */
  remove(): Promise<boolean>;
  /** Stops retrying and closes the session; pending operations reject. Idempotent. */
  close(): Promise<void>;
}

const RETRY_CODES: ReadonlySet<string> = new Set([
  "CONNECTION_LOSS",
  "SESSION_EXPIRED",
  "SESSION_MOVED",
  "OPERATION_TIMEOUT",
  "CLOSED",
  "SYSTEM_ERROR",
]);

function retryable(error: unknown): boolean {
  if (error instanceof ZkError) return RETRY_CODES.has(error.code);
  if (error instanceof ZkConnectError) return error.reason !== "auth_failed";
  return error instanceof Error && !(error instanceof ZnodeConflictError) &&
    !(error instanceof TypeError) && !(error instanceof RangeError);
}

const isCode = (e: unknown, code: string) => e instanceof ZkError && e.code === code;

class Blob implements ZnodeBlob {
  readonly node: string;
  readonly #zk: ZkUrl;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #sessionTimeoutMs: number;
  readonly #backoff: { minMs: number; maxMs: number };
  readonly #overwrite: boolean;
  readonly #connect: NonNullable<ZnodeBlobOptions["connect"]>;
  readonly #closing = new AbortController();
  #client: ZkClient | undefined;
  #chain: Promise<unknown> = Promise.resolve();
  /** The version last read or written; `-2` unknown (never read), `-1` absent. */
  #version = -2;

  constructor(options: ZnodeBlobOptions) {
    this.#zk = typeof options.zk === "string" ? parseZkUrl(options.zk) : options.zk;
    if (!/^\/[^\0]*[^/]$/.test(options.node)) {
      throw new TypeError(`Cannot use ZooKeeper node ${JSON.stringify(options.node)}`);
    }
    this.node = options.node;
    this.#log = (options.logger ?? silentLogger).child({ component: "znode", node: this.node });
    this.#clock = options.clock ?? systemClock;
    this.#sessionTimeoutMs = options.sessionTimeoutMs ?? 10_000;
    this.#backoff = {
      minMs: options.backoff?.minMs ?? 500,
      maxMs: options.backoff?.maxMs ?? 10_000,
    };
    this.#overwrite = options.overwrite ?? false;
    this.#connect = options.connect ?? ((servers, o) => ZkClient.connect(servers, o));
  }

  read(): Promise<Uint8Array | undefined> {
    return this.#enqueue("read", async (zk) => {
      try {
        const { data, stat } = await zk.getData(this.node);
        this.#version = stat.version;
        return data;
      } catch (error) {
        if (!isCode(error, "NO_NODE")) throw error;
        this.#version = -1;
        return undefined;
      }
    });
  }

  write(data: Uint8Array | string): Promise<void> {
    return this.#enqueue("write", async (zk) => {
      if (this.#overwrite) return this.#overwriteWith(zk, data);
      if (this.#version === -2) {
        const stat = await zk.exists(this.node);
        this.#version = stat?.version ?? -1;
      }
      if (this.#version === -1) {
        await zk.mkdirp(this.#zk.chroot);
        try {
          await zk.create(this.node, data, "persistent");
          this.#version = 0;
          return;
        } catch (error) {
          if (isCode(error, "NODE_EXISTS")) throw new ZnodeConflictError(this.node, -1);
          throw error;
        }
      }
      try {
        this.#version = (await zk.setData(this.node, data, this.#version)).version;
      } catch (error) {
        if (isCode(error, "BAD_VERSION") || isCode(error, "NO_NODE")) {
          throw new ZnodeConflictError(this.node, this.#version);
        }
        throw error;
      }
    });
  }

  /** The last writer wins: create the node, or replace whatever it holds. */
  async #overwriteWith(zk: ZkClient, data: Uint8Array | string): Promise<void> {
    await zk.mkdirp(this.#zk.chroot);
    try {
      await zk.create(this.node, data, "persistent");
      this.#version = 0;
    } catch (error) {
      if (!isCode(error, "NODE_EXISTS")) throw error;
      this.#version = (await zk.setData(this.node, data)).version;
    }
  }

  remove(): Promise<boolean> {
    return this.#enqueue("remove", async (zk) => {
      let removed = true;
      try {
        await zk.remove(this.node);
      } catch (error) {
        if (!isCode(error, "NO_NODE")) throw error;
        removed = false;
      }
      this.#version = -1;
      return removed;
    });
  }

  async close(): Promise<void> {
    if (!this.#closing.signal.aborted) this.#closing.abort(new ZnodeBlobClosedError(this.node));
    await this.#dropSession();
    await this.#chain.catch(() => {});
    await this.#dropSession();
  }

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
        });
        await waitFor(delayMs, this.#clock, signal).catch(() => {});
      }
    }
  }

  async #session(): Promise<ZkClient> {
    const current = this.#client;
    if (current !== undefined && current.state === "connected") return current;
    await this.#dropSession();
    const client = await this.#connect(
      this.#zk.servers,
      {
        sessionTimeoutMs: this.#sessionTimeoutMs,
        connectTimeoutMs: this.#sessionTimeoutMs,
        retryDelayMs: Math.min(this.#backoff.minMs, 1000),
        logger: this.#log,
        auth: this.#zk.auth,
        signal: this.#closing.signal,
      } satisfies ZkConnectOptions,
    );
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

/**
 * Creates a blob for `options.node`. Nothing connects until the first operation.
 *
 * @throws {TypeError | RangeError} naming a malformed `zk` URL or node path.
 */
export function createZnodeBlob(options: ZnodeBlobOptions): ZnodeBlob {
  return new Blob(options);
}
