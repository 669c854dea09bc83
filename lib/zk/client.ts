/**
 * A promise wrapper over `node-zookeeper-client` for one ZooKeeper session: the znode
 * operations (create, read, update, list, remove, with one-shot watches) of a
 * {@linkcode ZkClient}.
 *
 * The session itself (connecting, reconnecting while it lives, final expiry, closing) is
 * session.ts; see there for how calls behave across disconnections. Errors are in
 * errors.ts, znode types in znode.ts.
 *
 * @module
 */
import type { Buffer } from "node:buffer";
import { ZkError } from "./errors.ts";
import { type RawCallback, type RawClient, type RawStat, zk } from "./raw_client.ts";
import { type ZkConnectOptions, ZkSession, type ZkState } from "./session.ts";
import {
  CREATE_MODES,
  toBuffer,
  toStat,
  type ZkCreateMode,
  type ZkStat,
  type ZkWatcher,
} from "./znode.ts";

/** One ZooKeeper session with promise-returning calls. */
export class ZkClient {
  #session: ZkSession;

  private constructor(session: ZkSession) {
    this.#session = session;
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
    return new ZkClient(await ZkSession.open(connectionString, options));
  }

  /** The current connection state. */
  get state(): ZkState {
    return this.#session.state;
  }

  /** The session id as hex (e.g. `0x1000060c0430001`); valid once connected. */
  get sessionId(): string {
    return this.#session.sessionId;
  }

  /** The session password, for session hand-off (and tests that expire sessions). */
  get sessionPassword(): Uint8Array {
    return this.#session.sessionPassword;
  }

  /** The session timeout the server granted, in ms. */
  get sessionTimeoutMs(): number {
    return this.#session.sessionTimeoutMs;
  }

  /** Calls `listener` on every state change; returns a function that unsubscribes. */
  onStateChange(listener: (state: ZkState) => void): () => void {
    return this.#session.onStateChange(listener);
  }

  /** Creates a znode and returns its actual path (with the sequence suffix, if any). */
  create(
    path: string,
    data?: Uint8Array | string,
    mode: ZkCreateMode = "persistent",
  ): Promise<string> {
    const m = CREATE_MODES[mode];
    if (m === undefined) {
      throw new RangeError(`Cannot create ${path} with mode ${JSON.stringify(mode)}`);
    }
    const acl = this.#session.acl;
    return this.#call("create", path, (raw, cb) => raw.create(path, toBuffer(data), acl, m, cb));
  }

  /**
   * Creates a persistent node only this session's digest identity may read or change (ACL
   * `auth` with every permission, nothing for anyone else): for secrets. The session must
   * have been opened with `auth`, else ZooKeeper refuses the ACL.
   */
  createPrivate(path: string, data: Uint8Array | string): Promise<string> {
    const acl = [new zk.ACL(zk.Permission.ALL, zk.Id.AUTH_IDS)];
    return this.#call(
      "create",
      path,
      (raw, cb) => raw.create(path, toBuffer(data), acl, CREATE_MODES.persistent, cb),
    );
  }

  /** Creates `path` and any missing parents as persistent nodes; existing ones are kept. */
  async mkdirp(path: string, data?: Uint8Array | string): Promise<string> {
    const acl = this.#session.acl;
    await this.#call<string>(
      "mkdirp",
      path,
      (raw, cb) => raw.mkdirp(path, toBuffer(data), acl, CREATE_MODES.persistent, cb),
    );
    return path;
  }

  /** Reads a node's data; `watcher` fires once on its next change or deletion. */
  async getData(path: string, watcher?: ZkWatcher): Promise<{ data: Uint8Array; stat: ZkStat }> {
    const [data, stat] = await this.#session.call<Buffer | null>(
      "getData",
      path,
      (raw, cb) => raw.getData(path, this.#session.watcher(watcher), cb),
    );
    return { data: data ? new Uint8Array(data) : new Uint8Array(), stat: toStat(stat!) };
  }

  /** Replaces a node's data if `version` matches (`-1`: any version). */
  async setData(path: string, data: Uint8Array | string, version = -1): Promise<ZkStat> {
    const stat = await this.#call<RawStat>(
      "setData",
      path,
      (raw, cb) => raw.setData(path, toBuffer(data), version, cb),
    );
    return toStat(stat);
  }

  /** The node's stat, or `undefined` if it does not exist; `watcher` also sees its creation. */
  async exists(path: string, watcher?: ZkWatcher): Promise<ZkStat | undefined> {
    const stat = await this.#call<RawStat | null>(
      "exists",
      path,
      (raw, cb) => raw.exists(path, this.#session.watcher(watcher), cb),
    );
    return stat ? toStat(stat) : undefined;
  }

  /** Child names (not paths), in server order; `watcher` fires once when they change. */
  getChildren(path: string, watcher?: ZkWatcher): Promise<string[]> {
    return this.#call(
      "getChildren",
      path,
      (raw, cb) => raw.getChildren(path, this.#session.watcher(watcher), cb),
    );
  }

  /** Deletes a childless node if `version` matches (`-1`: any version). */
  remove(path: string, version = -1): Promise<void> {
    return this.#call("remove", path, (raw, cb) => raw.remove(path, version, cb));
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
    return this.#session.close();
  }

  async #call<T>(
    op: string,
    path: string,
    start: (raw: RawClient, cb: RawCallback<T>) => void,
  ): Promise<T> {
    return (await this.#session.call(op, path, start))[0];
  }
}
