/**
 * A promise wrapper over `node-zookeeper-client` for one ZooKeeper session.
 *
 * A {@linkcode ZkClient} reconnects by itself while its session lives (and the
 * library re-arms watches on reconnect). Session expiry is final, as in the
 * Java client: the state becomes `"expired"`, pending calls fail with
 * `SESSION_EXPIRED`, and the owner must connect a new client. Calls made
 * while disconnected wait for the reconnect; calls in flight when the
 * connection drops fail with `CONNECTION_LOSS`.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { clearTimeout as clearNodeTimeout, type setTimeout as setNodeTimeout } from "node:timers";
import zookeeper from "node-zookeeper-client";
import { type Logger, silentLogger } from "../log.ts";
import type { ZkAuth } from "./url.ts";

/** How a znode is created. Sequential modes append a 10-digit counter to the name. */
export type ZkCreateMode =
  | "persistent"
  | "ephemeral"
  | "persistent_sequential"
  | "ephemeral_sequential";

/**
 * Connection state. `expired`, `auth_failed` and `closed` are final; between
 * `connected` and `disconnected` the client moves by itself.
 */
export type ZkState =
  | "disconnected"
  | "connected"
  | "read_only"
  | "expired"
  | "auth_failed"
  | "closed";

/** What a one-shot watch saw. */
export interface ZkWatchEvent {
  type: "created" | "deleted" | "data_changed" | "children_changed";
  path: string;
}

/** A one-shot watch callback, called at most once per registration. */
export type ZkWatcher = (event: ZkWatchEvent) => void;

/** A znode's metadata. Session ids are hex strings like `0x1000060c0430001`. */
export interface ZkStat {
  czxid: bigint;
  mzxid: bigint;
  pzxid: bigint;
  /** Creation time, ms since the epoch. */
  ctime: number;
  /** Last modification time, ms since the epoch. */
  mtime: number;
  version: number;
  cversion: number;
  aversion: number;
  /** The owning session for ephemeral nodes, `"0x0"` otherwise. */
  ephemeralOwner: string;
  dataLength: number;
  numChildren: number;
}

/** Options for {@linkcode ZkClient.connect}. */
export interface ZkConnectOptions {
  /** Requested session timeout; the server may clamp it. Default 10000. */
  sessionTimeoutMs?: number;
  /** How long `connect` waits for the first session; default 15000. */
  connectTimeoutMs?: number;
  /** Upper bound of the random pause between reconnect rounds; default 1000. */
  retryDelayMs?: number;
  /** Default: {@linkcode silentLogger}. */
  logger?: Logger;
  /**
   * Digest credentials (`addAuthInfo("digest", "user:pass")`). With them, new
   * nodes get Mesos' ACL: everyone may read, only the creator may change.
   */
  auth?: ZkAuth;
  /** Gives up connecting (with reason `aborted`) when this signal aborts. */
  signal?: AbortSignal;
}

/** A ZooKeeper call failed; `code` is the server or client error name. */
export class ZkError extends Error {
  /** e.g. `NO_NODE`, `NODE_EXISTS`, `BAD_VERSION`, `NOT_EMPTY`, `NO_AUTH`,
   * `CONNECTION_LOSS`, `SESSION_EXPIRED`, or `CLOSED` after {@linkcode ZkClient.close}. */
  readonly code: string;
  /** The operation, e.g. `getData`. */
  readonly op: string;
  /** The znode the call was about. */
  readonly path: string;

  constructor(op: string, path: string, code: string, options?: ErrorOptions) {
    super(`ZooKeeper ${op} ${JSON.stringify(path)} failed: ${code}`, options);
    this.name = "ZkError";
    this.op = op;
    this.path = path;
    this.code = code;
  }
}

/** {@linkcode ZkClient.connect} could not establish a session. */
export class ZkConnectError extends Error {
  /** The connection string tried. */
  readonly servers: string;
  /** `timeout`, `expired`, `auth_failed` or `aborted`. */
  readonly reason: "timeout" | "expired" | "auth_failed" | "aborted";

  constructor(servers: string, reason: ZkConnectError["reason"], detail: string) {
    super(`Cannot connect to ZooKeeper ${JSON.stringify(servers)}: ${detail}`);
    this.name = "ZkConnectError";
    this.servers = servers;
    this.reason = reason;
  }
}

// Minimal typing of the parts of node-zookeeper-client used here.
interface RawException extends Error {
  getCode(): number;
  getName(): string;
}
interface RawStat {
  czxid: Buffer;
  mzxid: Buffer;
  pzxid: Buffer;
  ctime: Buffer;
  mtime: Buffer;
  version: number;
  cversion: number;
  aversion: number;
  ephemeralOwner: Buffer;
  dataLength: number;
  numChildren: number;
}
interface RawEvent {
  getType(): number;
  getPath(): string;
}
type RawCallback<T> = (error: RawException | null, result: T, stat?: RawStat) => void;
interface RawConnectionManager {
  on(event: "state", listener: (state: number) => void): void;
  socket?: { destroy(): void };
  connectTimeoutHandler?: ReturnType<typeof setNodeTimeout> | null;
}
interface RawClient {
  connect(): void;
  close(): void;
  on(event: "state", listener: (state: { name: string }) => void): void;
  addAuthInfo(scheme: string, auth: Buffer): void;
  getSessionId(): Buffer;
  getSessionPassword(): Buffer;
  getSessionTimeout(): number;
  create(path: string, data: Buffer, acls: unknown[], mode: number, cb: RawCallback<string>): void;
  mkdirp(path: string, data: Buffer, acls: unknown[], mode: number, cb: RawCallback<string>): void;
  remove(path: string, version: number, cb: RawCallback<void>): void;
  setData(path: string, data: Buffer, version: number, cb: RawCallback<RawStat>): void;
  getData(path: string, watcher: RawWatcher | undefined, cb: RawCallback<Buffer | null>): void;
  exists(path: string, watcher: RawWatcher | undefined, cb: RawCallback<RawStat | null>): void;
  getChildren(path: string, watcher: RawWatcher | undefined, cb: RawCallback<string[]>): void;
  connectionManager: RawConnectionManager;
}
type RawWatcher = (event: RawEvent) => void;
interface RawModule {
  createClient(servers: string, options: Record<string, unknown>): RawClient;
  ACL: new (perms: number, id: unknown) => unknown;
  Id: { ANYONE_ID_UNSAFE: unknown; AUTH_IDS: unknown };
  Permission: { READ: number; ALL: number };
  CreateMode: Record<string, number>;
}

const zk = zookeeper as RawModule;
const CM_CLOSED = -2;
const MODES: Record<ZkCreateMode, number> = {
  persistent: 0,
  ephemeral: 1,
  persistent_sequential: 2,
  ephemeral_sequential: 3,
};
const EVENT_TYPES: Record<number, ZkWatchEvent["type"]> = {
  1: "created",
  2: "deleted",
  3: "data_changed",
  4: "children_changed",
};
const STATES: Record<string, ZkState> = {
  DISCONNECTED: "disconnected",
  SYNC_CONNECTED: "connected",
  CONNECTED_READ_ONLY: "read_only",
  EXPIRED: "expired",
  AUTH_FAILED: "auth_failed",
};
const FINAL: ReadonlySet<ZkState> = new Set(["expired", "auth_failed", "closed"]);

function hex(buf: Buffer): string {
  return "0x" + buf.readBigUInt64BE(0).toString(16);
}

function toStat(raw: RawStat): ZkStat {
  return {
    czxid: raw.czxid.readBigInt64BE(0),
    mzxid: raw.mzxid.readBigInt64BE(0),
    pzxid: raw.pzxid.readBigInt64BE(0),
    ctime: Number(raw.ctime.readBigInt64BE(0)),
    mtime: Number(raw.mtime.readBigInt64BE(0)),
    version: raw.version,
    cversion: raw.cversion,
    aversion: raw.aversion,
    ephemeralOwner: hex(raw.ephemeralOwner),
    dataLength: raw.dataLength,
    numChildren: raw.numChildren,
  };
}

function toBuffer(data: Uint8Array | string | undefined): Buffer {
  if (data === undefined) return Buffer.alloc(0);
  return typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data);
}

/** One ZooKeeper session with promise-returning calls. */
export class ZkClient {
  #raw: RawClient;
  #servers: string;
  #log: Logger;
  #acl: unknown[];
  #state: ZkState = "disconnected";
  #listeners = new Set<(state: ZkState) => void>();
  #pending = new Set<(error: ZkError) => void>();
  #closed?: Promise<void>;
  #stallMs: number;
  #watchdog?: ReturnType<typeof setInterval>;

  private constructor(
    raw: RawClient,
    servers: string,
    options: { log: Logger; acl: unknown[]; sessionTimeoutMs: number },
  ) {
    const { log, acl } = options;
    this.#stallMs = Math.max(500, Math.floor(options.sessionTimeoutMs / 3));
    this.#raw = raw;
    this.#servers = servers;
    this.#log = log;
    this.#acl = acl;
    raw.on("state", (s) => this.#setState(STATES[s.name] ?? this.#state));
  }

  /**
   * Connects to `connectionString` (`h1:p1,h2:p2`, optionally with a
   * `/chroot` suffix) and resolves once the session is established.
   *
   * @throws {ZkConnectError} when no session is established in time.
   */
  static async connect(
    connectionString: string,
    options: ZkConnectOptions = {},
  ): Promise<ZkClient> {
    if (typeof connectionString !== "string" || connectionString.trim() === "") {
      throw new TypeError(
        `Cannot connect to ZooKeeper ${JSON.stringify(connectionString)}: expected host:port[,...]`,
      );
    }
    const log = (options.logger ?? silentLogger).child({ zk: connectionString });
    const sessionTimeoutMs = options.sessionTimeoutMs ?? 10_000;
    const raw = zk.createClient(connectionString, {
      sessionTimeout: sessionTimeoutMs,
      spinDelay: options.retryDelayMs ?? 1000,
      retries: 0,
    });
    let acl: unknown[] = [new zk.ACL(zk.Permission.ALL, zk.Id.ANYONE_ID_UNSAFE)];
    if (options.auth) {
      raw.addAuthInfo("digest", Buffer.from(`${options.auth.user}:${options.auth.pass}`));
      acl = [
        new zk.ACL(zk.Permission.READ, zk.Id.ANYONE_ID_UNSAFE),
        new zk.ACL(zk.Permission.ALL, zk.Id.AUTH_IDS),
      ];
    }
    const client = new ZkClient(raw, connectionString, { log, acl, sessionTimeoutMs });
    const timeoutMs = options.connectTimeoutMs ?? 15_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let unsubscribe = () => {};
    let onAbort = () => {};
    try {
      await new Promise<void>((resolve, reject) => {
        onAbort = () => reject(new ZkConnectError(connectionString, "aborted", "aborted"));
        if (options.signal?.aborted) return onAbort();
        options.signal?.addEventListener("abort", onAbort, { once: true });
        timer = setTimeout(
          () =>
            reject(
              new ZkConnectError(connectionString, "timeout", `no session after ${timeoutMs} ms`),
            ),
          timeoutMs,
        );
        unsubscribe = client.onStateChange((state) => {
          if (state === "connected" || state === "read_only") resolve();
          if (state === "expired" || state === "auth_failed") {
            reject(new ZkConnectError(connectionString, state, `session ${state}`));
          }
        });
        raw.connect();
        client.#armWatchdog();
      });
    } catch (error) {
      await client.close();
      throw error;
    } finally {
      clearTimeout(timer);
      unsubscribe();
      options.signal?.removeEventListener("abort", onAbort);
    }
    return client;
  }

  /** The current connection state. */
  get state(): ZkState {
    return this.#state;
  }

  /** The session id as hex (e.g. `0x1000060c0430001`); valid once connected. */
  get sessionId(): string {
    return hex(this.#raw.getSessionId());
  }

  /** The session password, for session hand-off (and tests that expire sessions). */
  get sessionPassword(): Uint8Array {
    return new Uint8Array(this.#raw.getSessionPassword());
  }

  /** The session timeout the server granted, in ms. */
  get sessionTimeoutMs(): number {
    return this.#raw.getSessionTimeout();
  }

  /** Calls `listener` on every state change; returns a function that unsubscribes. */
  onStateChange(listener: (state: ZkState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Creates a znode and returns its actual path (with the sequence suffix, if any). */
  create(
    path: string,
    data?: Uint8Array | string,
    mode: ZkCreateMode = "persistent",
  ): Promise<string> {
    const m = MODES[mode];
    if (m === undefined) {
      throw new RangeError(`Cannot create ${path} with mode ${JSON.stringify(mode)}`);
    }
    return this.#call(
      "create",
      path,
      (cb) => this.#raw.create(path, toBuffer(data), this.#acl, m, cb),
    );
  }

  /** Creates `path` and any missing parents as persistent nodes; existing ones are kept. */
  async mkdirp(path: string, data?: Uint8Array | string): Promise<string> {
    await this.#call<string>(
      "mkdirp",
      path,
      (cb) => this.#raw.mkdirp(path, toBuffer(data), this.#acl, MODES.persistent, cb),
    );
    return path;
  }

  /** Reads a node's data; `watcher` fires once on its next change or deletion. */
  async getData(path: string, watcher?: ZkWatcher): Promise<{ data: Uint8Array; stat: ZkStat }> {
    const [data, stat] = await this.#call2<Buffer | null>(
      "getData",
      path,
      (cb) => this.#raw.getData(path, this.#wrap(watcher), cb),
    );
    return { data: data ? new Uint8Array(data) : new Uint8Array(), stat: toStat(stat!) };
  }

  /** Replaces a node's data if `version` matches (`-1`: any version). */
  async setData(path: string, data: Uint8Array | string, version = -1): Promise<ZkStat> {
    const stat = await this.#call<RawStat>(
      "setData",
      path,
      (cb) => this.#raw.setData(path, toBuffer(data), version, cb),
    );
    return toStat(stat);
  }

  /** The node's stat, or `undefined` if it does not exist; `watcher` also sees its creation. */
  async exists(path: string, watcher?: ZkWatcher): Promise<ZkStat | undefined> {
    const stat = await this.#call<RawStat | null>(
      "exists",
      path,
      (cb) => this.#raw.exists(path, this.#wrap(watcher), cb),
    );
    return stat ? toStat(stat) : undefined;
  }

  /** Child names (not paths), in server order; `watcher` fires once when they change. */
  getChildren(path: string, watcher?: ZkWatcher): Promise<string[]> {
    return this.#call(
      "getChildren",
      path,
      (cb) => this.#raw.getChildren(path, this.#wrap(watcher), cb),
    );
  }

  /** Deletes a childless node if `version` matches (`-1`: any version). */
  remove(path: string, version = -1): Promise<void> {
    return this.#call("remove", path, (cb) => this.#raw.remove(path, version, cb));
  }

  /** Deletes a node and everything below it, depth first (not atomic; missing nodes are fine). */
  async removeRecursive(path: string): Promise<void> {
    let children: string[];
    try {
      children = await this.getChildren(path);
    } catch (error) {
      if (error instanceof ZkError && error.code === "NO_NODE") return;
      throw error;
    }
    const base = path === "/" ? "" : path;
    for (const child of children) await this.removeRecursive(`${base}/${child}`);
    if (path === "/") return;
    await this.remove(path).catch((error) => {
      if (!(error instanceof ZkError && error.code === "NO_NODE")) throw error;
    });
  }

  /**
   * Ends the session (its ephemeral nodes go away at once) and resolves once
   * the socket is closed; waits at most 2 s for the server. When not connected
   * it just stops reconnecting, and the server expires the session after its
   * timeout. Idempotent.
   */
  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => {
      const cm = this.#raw.connectionManager;
      let force: ReturnType<typeof setTimeout> | undefined;
      const finish = () => {
        clearTimeout(force);
        cm.socket?.destroy();
        clearNodeTimeout(cm.connectTimeoutHandler ?? undefined);
        this.#setState("closed");
        resolve();
      };
      cm.on("state", (s) => s === CM_CLOSED && finish());
      if (this.#state === "connected" || this.#state === "read_only") {
        // End the session politely; give up if the server does not answer.
        force = setTimeout(finish, 2000);
        this.#raw.close();
      } else {
        // Not connected: stop reconnecting; the server expires the session by itself.
        if (!FINAL.has(this.#state)) this.#raw.close();
        finish();
      }
    });
    return this.#closed;
  }

  /**
   * The library has no handshake timeout: a connection accepted while the
   * server is still starting can hang forever. While disconnected, a socket
   * that survives a whole check period is dropped so the library reconnects.
   */
  #armWatchdog(): void {
    if (this.#watchdog !== undefined) return;
    let seen: unknown;
    this.#watchdog = setInterval(() => {
      const socket = this.#raw.connectionManager.socket;
      if (socket && socket === seen) {
        this.#log.debug("zk handshake stalled, reconnecting", { servers: this.#servers });
        socket.destroy();
        seen = undefined;
      } else seen = socket;
    }, this.#stallMs);
  }

  #disarmWatchdog(): void {
    clearInterval(this.#watchdog);
    this.#watchdog = undefined;
  }

  #setState(state: ZkState): void {
    if (state === this.#state || FINAL.has(this.#state)) return;
    this.#state = state;
    if (state === "disconnected") this.#armWatchdog();
    else this.#disarmWatchdog();
    const fields = { state, servers: this.#servers };
    if (state === "connected") {
      this.#log.debug("zk session connected", { ...fields, session: this.sessionId });
    } else if (state === "expired" || state === "auth_failed") {
      this.#log.warn("zk session lost", fields);
    } else this.#log.debug("zk state", fields);
    if (FINAL.has(state)) {
      const code = state === "closed"
        ? "CLOSED"
        : state === "expired"
        ? "SESSION_EXPIRED"
        : "AUTH_FAILED";
      for (const fail of [...this.#pending]) fail(new ZkError("call", "", code));
    }
    for (const listener of [...this.#listeners]) {
      try {
        listener(state);
      } catch (error) {
        this.#log.error("zk state listener threw", { error });
      }
    }
  }

  #wrap(watcher: ZkWatcher | undefined): RawWatcher | undefined {
    if (!watcher) return undefined;
    return (event) => {
      const type = EVENT_TYPES[event.getType()];
      if (!type) return;
      try {
        watcher({ type, path: event.getPath() });
      } catch (error) {
        this.#log.error("zk watcher threw", { error, path: event.getPath() });
      }
    };
  }

  async #call<T>(op: string, path: string, start: (cb: RawCallback<T>) => void): Promise<T> {
    return (await this.#call2(op, path, start))[0];
  }

  #call2<T>(
    op: string,
    path: string,
    start: (cb: RawCallback<T>) => void,
  ): Promise<[T, RawStat | undefined]> {
    if (FINAL.has(this.#state)) {
      const code = this.#state === "closed"
        ? "CLOSED"
        : this.#state === "expired"
        ? "SESSION_EXPIRED"
        : "AUTH_FAILED";
      return Promise.reject(new ZkError(op, path, code));
    }
    return new Promise((resolve, reject) => {
      const fail = (e: ZkError) => {
        this.#pending.delete(fail);
        reject(new ZkError(op, path, e.code));
      };
      this.#pending.add(fail);
      try {
        start((error, result, stat) => {
          if (!this.#pending.delete(fail)) return; // already failed by a final state
          if (error) {
            const code = typeof error.getName === "function" ? error.getName() : "SYSTEM_ERROR";
            reject(new ZkError(op, path, code, { cause: error }));
          } else resolve([result, stat]);
        });
      } catch (error) {
        // The library validates paths synchronously with assertions.
        this.#pending.delete(fail);
        reject(new RangeError(`Cannot ${op} ${JSON.stringify(path)}: ${(error as Error).message}`));
      }
    });
  }
}
