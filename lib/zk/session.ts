/**
 * One ZooKeeper session over `node-zookeeper-client`: establishing it, its state,
 * reconnecting while it lives, closing it, and running calls on it.
 *
 * A session reconnects by itself while it lives (and the library re-arms watches on
 * reconnect). Expiry is final, as in the Java client: the state becomes `"expired"`,
 * pending calls fail with `SESSION_EXPIRED`, and the owner must connect a new client.
 * Calls made while disconnected wait for the reconnect; calls in flight when the
 * connection drops fail with `CONNECTION_LOSS`. The znode operations are in client.ts.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { clearTimeout as clearNodeTimeout } from "node:timers";
import { type Logger, silentLogger } from "../log.ts";
import { ZkConnectError, ZkError } from "./errors.ts";
import {
  CM_CLOSED,
  neverConnectAgain,
  type RawCallback,
  type RawClient,
  type RawStat,
  type RawWatcher,
  zk,
} from "./raw_client.ts";
import type { ZkAuth } from "./url.ts";
import { hex, toWatchEvent, type ZkWatcher } from "./znode.ts";

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

/** Options for `ZkClient.connect` and {@linkcode ZkSession.open}. */
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

const STATES: Record<string, ZkState> = {
  DISCONNECTED: "disconnected",
  SYNC_CONNECTED: "connected",
  CONNECTED_READ_ONLY: "read_only",
  EXPIRED: "expired",
  AUTH_FAILED: "auth_failed",
};
const FINAL: ReadonlySet<ZkState> = new Set(["expired", "auth_failed", "closed"]);

/** One ZooKeeper session; calls on it go through {@linkcode ZkSession.call}. */
export class ZkSession {
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
  static async open(
    connectionString: string,
    options: ZkConnectOptions = {},
  ): Promise<ZkSession> {
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
    const session = new ZkSession(raw, connectionString, { log, acl, sessionTimeoutMs });
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
        unsubscribe = session.onStateChange((state) => {
          if (state === "connected" || state === "read_only") resolve();
          if (state === "expired" || state === "auth_failed") {
            reject(new ZkConnectError(connectionString, state, `session ${state}`));
          }
        });
        raw.connect();
        session.#armWatchdog();
      });
    } catch (error) {
      await session.close();
      throw error;
    } finally {
      clearTimeout(timer);
      unsubscribe();
      options.signal?.removeEventListener("abort", onAbort);
    }
    return session;
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

  /** The ACL of the znodes this session creates (Mesos' when it has credentials). */
  get acl(): unknown[] {
    return this.#acl;
  }

  /** Calls `listener` on every state change; returns a function that unsubscribes. */
  onStateChange(listener: (state: ZkState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
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
        neverConnectAgain(cm);
        if (!FINAL.has(this.#state)) this.#raw.close();
        finish();
      }
    });
    return this.#closed;
  }

  /**
   * Runs one library call on this session: `start` issues it with the callback. Resolves
   * with the result and stat; rejects with a {@linkcode ZkError} naming `op` and `path`
   * (at once when the session is over, and when it ends with the call in flight), or a
   * `RangeError` when the library refuses the path.
   */
  call<T>(
    op: string,
    path: string,
    start: (raw: RawClient, cb: RawCallback<T>) => void,
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
        start(this.#raw, (error, result, stat) => {
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

  /** `watcher` as the library takes it; a watcher that throws is logged, not propagated. */
  watcher(watcher: ZkWatcher | undefined): RawWatcher | undefined {
    if (!watcher) return undefined;
    return (event) => {
      const seen = toWatchEvent(event);
      if (!seen) return;
      try {
        watcher(seen);
      } catch (error) {
        this.#log.error("zk watcher threw", { error, path: event.getPath() });
      }
    };
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
}
