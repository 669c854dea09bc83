/**
 * The errors of the ZooKeeper client: a failed call, and a session that could not be
 * established.
 *
 * @module
 */

/** A ZooKeeper call failed; `code` is the server or client error name. */
export class ZkError extends Error {
  /** e.g. `NO_NODE`, `NODE_EXISTS`, `BAD_VERSION`, `NOT_EMPTY`, `NO_AUTH`,
   * `CONNECTION_LOSS`, `SESSION_EXPIRED`, or `CLOSED` after the client is closed. */
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

/** `ZkClient.connect` could not establish a session. */
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
