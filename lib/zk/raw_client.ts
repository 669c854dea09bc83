/**
 * A minimal typing of the parts of `node-zookeeper-client` the client uses, and the
 * library itself under that typing. Only session.ts, znode.ts and client.ts use it.
 *
 * @module
 */
import type { Buffer } from "node:buffer";
import type { setTimeout as setNodeTimeout } from "node:timers";
import zookeeper from "node-zookeeper-client";

/** An error the library reports; its name is the ZooKeeper error code. */
export interface RawException extends Error {
  getCode(): number;
  getName(): string;
}

/** A znode's stat as the library gives it (64-bit fields as 8-byte buffers). */
export interface RawStat {
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

/** A watch event as the library gives it. */
export interface RawEvent {
  getType(): number;
  getPath(): string;
}

/** The library's completion callback. */
export type RawCallback<T> = (error: RawException | null, result: T, stat?: RawStat) => void;

/** The library's watcher callback. */
export type RawWatcher = (event: RawEvent) => void;

/** The library's connection manager, reached into to bound handshakes and closing. */
export interface RawConnectionManager {
  on(event: "state", listener: (state: number) => void): void;
  socket?: { destroy(): void };
  connectTimeoutHandler?: ReturnType<typeof setNodeTimeout> | null;
  /** Sends the connect request on a new socket (looked up on each connect). */
  onSocketConnected(this: RawConnectionManager): void;
}

/**
 * Makes a closing client never talk on a socket it opens later. node-zookeeper-client
 * schedules its next connect attempt (after up to `spinDelay`) and opens that socket even
 * when `close()` came in between; the server's connect response then reaches a client in
 * CLOSING state, which reads it as the reply to its closeSession and throws "Unknown code:
 * …" uncaught from its socket handler (seen in our tests). Such a socket is destroyed at
 * once; in CLOSING state the library then settles in CLOSED without retrying.
 */
export function neverConnectAgain(cm: RawConnectionManager): void {
  cm.onSocketConnected = function (this: RawConnectionManager) {
    this.socket?.destroy();
  };
}

/** One library client (one session). */
export interface RawClient {
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

/** The library module. */
export interface RawModule {
  createClient(servers: string, options: Record<string, unknown>): RawClient;
  ACL: new (perms: number, id: unknown) => unknown;
  Id: { ANYONE_ID_UNSAFE: unknown; AUTH_IDS: unknown };
  Permission: { READ: number; ALL: number };
  CreateMode: Record<string, number>;
}

/** `node-zookeeper-client` under the typing above. */
export const zk = zookeeper as RawModule;

/** The connection manager's state once its socket is closed for good. */
export const CM_CLOSED = -2;
