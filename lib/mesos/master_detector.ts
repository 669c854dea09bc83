/**
 * Finds the leading Mesos master: fixed for `host:port`-style `--master`
 * values, or by watching the masters' group in ZooKeeper for `zk://` ones.
 *
 * @module
 */

import { type Clock, systemClock } from "../clock.ts";
import { type Logger, silentLogger } from "../log.ts";
import { ZkClient } from "../zk/client.ts";
import { ZkError } from "../zk/errors.ts";
import type { ZkConnectOptions, ZkState } from "../zk/session.ts";
import type { ZkUrl } from "../zk/url.ts";
import {
  masterInfoFromJson,
  masterInfoFromProtobuf,
  type MasterSpec,
  masterUrlFromInfo,
  masterUrlFromPid,
  parseMasterSpec,
} from "./master_address.ts";

export {
  masterInfoFromJson,
  type MasterSpec,
  packIpv4,
  parseMasterSpec,
  unpackIpv4,
} from "./master_address.ts";

/** Follows the leading master. */
export interface MasterDetector {
  /**
   * The leading master's base URL (e.g. `http://127.0.0.1:5050/`), or
   * `undefined` when there is none. For ZooKeeper it waits for the first read
   * (or the first failed connection attempt).
   */
  current(): Promise<URL | undefined>;
  /** Calls `cb` on every later change of leader; returns a function that unsubscribes. */
  onChange(cb: (url: URL | undefined) => void): () => void;
  /** Stops watching and closes the ZooKeeper session. Idempotent. */
  close(): Promise<void>;
}

/** Options for {@linkcode createMasterDetector}. */
export interface MasterDetectorOptions {
  logger?: Logger;
  /** ZooKeeper session timeout; also how long one connection attempt may take. Default 10000. */
  zkSessionTimeoutMs?: number;
  /** Scheme for masters found in ZooKeeper; default `"http"`. */
  scheme?: "http" | "https";
  /** First retry delay after a ZooKeeper failure (doubles up to 10 s); default 500. */
  retryDelayMs?: number;
  /** Default {@linkcode systemClock}. */
  clock?: Clock;
  /** Opens ZooKeeper sessions; default {@linkcode ZkClient.connect}. */
  connectZk?: (servers: string, options: ZkConnectOptions) => Promise<ZkClient>;
}

/** A master's znode in the group, as ranked by {@linkcode pickLeader}. */
export interface MasterNode {
  name: string;
  seq: number;
  /** `json.info_<seq>`: JSON; legacy `info_<seq>`: protobuf; bare `<seq>`: a pid string. */
  format: "json" | "protobuf" | "pid";
}

const NODE = /^(json\.info_|info_)?(\d+)$/;

/**
 * The leading master among a group's children: the smallest sequence number
 * among `json.info_<seq>`, `info_<seq>` and bare `<seq>` nodes. Other
 * children (e.g. `log_replicas`) are ignored.
 */
export function pickLeader(children: readonly string[]): MasterNode | undefined {
  let best: MasterNode | undefined;
  for (const name of children) {
    const m = NODE.exec(name);
    if (!m) continue;
    const seq = Number(m[2]);
    const format = m[1] === "json.info_" ? "json" : m[1] === "info_" ? "protobuf" : "pid";
    if (best === undefined || seq < best.seq) best = { name, seq, format };
  }
  return best;
}

/**
 * The base URL in a master node's data.
 *
 * @throws {RangeError} when the data cannot be parsed or names no address.
 */
export function masterUrlFromNode(node: MasterNode, data: Uint8Array, scheme = "http"): URL {
  if (node.format === "json") return masterUrlFromInfo(masterInfoFromJson(data), scheme);
  if (node.format === "protobuf") return masterUrlFromInfo(masterInfoFromProtobuf(data), scheme);
  return masterUrlFromPid(new TextDecoder().decode(data), scheme);
}

/**
 * Creates a detector for a `--master` value (see {@linkcode parseMasterSpec}).
 *
 * For ZooKeeper it keeps one session, watches the group's children and reads
 * the leader's MasterInfo. It keeps the last leader while the connection is
 * merely down; after session expiry it opens a new session and re-reads; when
 * a connection attempt fails it reports `undefined` and keeps retrying.
 *
 * @throws {RangeError} naming the spec when it cannot be parsed.
 */
export function createMasterDetector(
  spec: string | MasterSpec,
  options: MasterDetectorOptions = {},
): MasterDetector {
  const parsed = typeof spec === "string" ? parseMasterSpec(spec) : spec;
  if (parsed.kind === "static") return new StaticMasterDetector(parsed.url);
  return new ZkMasterDetector(parsed.zk, options);
}

class StaticMasterDetector implements MasterDetector {
  #url: URL;
  constructor(url: URL) {
    this.#url = new URL(url.href);
  }
  current(): Promise<URL | undefined> {
    return Promise.resolve(new URL(this.#url.href));
  }
  onChange(): () => void {
    return () => {};
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const LOST: ReadonlySet<ZkState> = new Set(["expired", "auth_failed", "closed"]);
const SESSION_GONE: ReadonlySet<string> = new Set(["SESSION_EXPIRED", "AUTH_FAILED", "CLOSED"]);

class ZkMasterDetector implements MasterDetector {
  #zk: ZkUrl;
  #log: Logger;
  #clock: Clock;
  #scheme: string;
  #sessionTimeoutMs: number;
  #retryDelayMs: number;
  #connect: NonNullable<MasterDetectorOptions["connectZk"]>;
  #leader: URL | undefined;
  #listeners = new Set<(url: URL | undefined) => void>();
  #ready: Promise<void>;
  #markReady!: () => void;
  #closed = false;
  #abort = new AbortController();
  #client: ZkClient | undefined;
  #sleeps = new Map<number, () => void>();
  #refreshes = 0;
  #loop: Promise<void>;

  constructor(zk: ZkUrl, options: MasterDetectorOptions) {
    this.#zk = zk;
    this.#log = (options.logger ?? silentLogger).child({ component: "master-detector" });
    this.#clock = options.clock ?? systemClock;
    this.#scheme = options.scheme ?? "http";
    this.#sessionTimeoutMs = options.zkSessionTimeoutMs ?? 10_000;
    this.#retryDelayMs = options.retryDelayMs ?? 500;
    this.#connect = options.connectZk ?? ((s, o) => ZkClient.connect(s, o));
    this.#ready = new Promise((resolve) => this.#markReady = resolve);
    this.#loop = this.#run();
  }

  async current(): Promise<URL | undefined> {
    await this.#ready;
    return this.#leader && new URL(this.#leader.href);
  }

  onChange(cb: (url: URL | undefined) => void): () => void {
    this.#listeners.add(cb);
    return () => this.#listeners.delete(cb);
  }

  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#abort.abort();
      for (const [id, wake] of this.#sleeps) {
        this.#clock.clearTimeout(id);
        wake();
      }
      this.#sleeps.clear();
      await this.#client?.close();
      this.#markReady();
    }
    await this.#loop;
  }

  /** One session at a time, for as long as the detector is open. */
  async #run(): Promise<void> {
    const where = { servers: this.#zk.servers, path: this.#zk.chroot };
    for (let failures = 0; !this.#closed;) {
      let client: ZkClient;
      try {
        client = await this.#connect(this.#zk.servers, {
          sessionTimeoutMs: this.#sessionTimeoutMs,
          connectTimeoutMs: this.#sessionTimeoutMs,
          retryDelayMs: Math.min(this.#retryDelayMs, 1000),
          logger: this.#log,
          auth: this.#zk.auth,
          signal: this.#abort.signal,
        });
      } catch (error) {
        if (this.#closed) break;
        failures++;
        this.#log.warn("cannot connect to ZooKeeper", { ...where, error, attempt: failures });
        this.#set(undefined, { reason: "zookeeper unreachable" });
        this.#markReady();
        await this.#sleep(Math.min(this.#retryDelayMs * 2 ** Math.min(failures - 1, 6), 10_000));
        continue;
      }
      failures = 0;
      if (this.#closed) {
        await client.close();
        break;
      }
      this.#client = client;
      this.#log.debug("watching masters", { ...where, session: client.sessionId });
      const lost = new Promise<ZkState>((resolve) => {
        if (LOST.has(client.state)) resolve(client.state);
        client.onStateChange((state) => LOST.has(state) && resolve(state));
      });
      this.#refresh(client);
      const state = await lost;
      this.#client = undefined;
      await client.close();
      if (!this.#closed) {
        this.#log.warn("zookeeper session lost, reconnecting", { ...where, state });
      }
    }
  }

  /** Lists the group (re-arming the watch) and reports the leader it finds. */
  async #refresh(client: ZkClient): Promise<void> {
    if (this.#client !== client || this.#closed) return;
    const seq = ++this.#refreshes;
    const stale = () => seq !== this.#refreshes || this.#client !== client || this.#closed;
    const again = () => void this.#refresh(client);
    const path = this.#zk.chroot;
    try {
      let children: string[];
      try {
        children = await client.getChildren(path, again);
      } catch (error) {
        if (!(error instanceof ZkError && error.code === "NO_NODE")) throw error;
        // No group yet: watch for it to appear.
        if (await client.exists(path, again)) return again();
        if (!stale()) this.#settle(undefined, { reason: "no group znode", path });
        return;
      }
      const node = pickLeader(children);
      if (!node) {
        if (!stale()) this.#settle(undefined, { reason: "no master in group", path });
        return;
      }
      let data: Uint8Array;
      try {
        data = (await client.getData(`${path}/${node.name}`)).data;
      } catch (error) {
        // The leader just went away; the children watch will fire.
        if (error instanceof ZkError && error.code === "NO_NODE") return;
        throw error;
      }
      if (stale()) return;
      let url: URL;
      try {
        url = masterUrlFromNode(node, data, this.#scheme);
      } catch (error) {
        this.#log.warn("cannot read the leading master's info", { node: node.name, error });
        this.#settle(undefined, { reason: "unreadable master info", node: node.name });
        return;
      }
      this.#settle(url, { node: node.name });
    } catch (error) {
      // A lost session is #run's business; anything else is retried here.
      if (stale() || (error instanceof ZkError && SESSION_GONE.has(error.code))) return;
      const lossy = error instanceof ZkError && error.code === "CONNECTION_LOSS";
      this.#log[lossy ? "debug" : "warn"]("cannot list masters, retrying", { path, error });
      await this.#sleep(this.#retryDelayMs);
      if (!stale()) again();
    }
  }

  #settle(url: URL | undefined, fields: Record<string, unknown>): void {
    this.#set(url, fields);
    this.#markReady();
  }

  #set(url: URL | undefined, fields: Record<string, unknown>): void {
    if (url?.href === this.#leader?.href) return;
    this.#leader = url;
    if (url) this.#log.info("leading master changed", { master: url.href, ...fields });
    else this.#log.info("no leading master", fields);
    for (const cb of [...this.#listeners]) {
      try {
        cb(url && new URL(url.href));
      } catch (error) {
        this.#log.error("master change listener threw", { error });
      }
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.#closed) return resolve();
      const id = this.#clock.setTimeout(() => {
        this.#sleeps.delete(id);
        resolve();
      }, ms);
      this.#sleeps.set(id, resolve);
    });
  }
}
