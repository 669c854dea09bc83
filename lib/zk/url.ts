/**
 * Parsing of `zk://[user:pass@]host1:port1[,host2:port2...]/path` URLs as
 * Mesos uses them for `--master` and `--zk`.
 *
 * @module
 */

/** ZooKeeper digest credentials (`user:pass`). */
export interface ZkAuth {
  user: string;
  pass: string;
}

/** The parts of a `zk://` URL. */
export interface ZkUrl {
  /** Comma-separated `host:port` list, ready for a ZooKeeper client, e.g. `h1:2181,h2:2181`. */
  servers: string;
  /**
   * The znode path, e.g. `/mesos`: never `/`, never with a trailing slash.
   * Mesos uses it as a base path (not as a client-side chroot).
   */
  chroot: string;
  /** Digest credentials when the URL carries `user:pass@`. */
  auth?: ZkAuth;
}

/** The port ZooKeeper listens on when a server in the URL names none. */
export const DEFAULT_ZK_PORT = 2181;

const SCHEME = "zk://";
const HOST = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/;

/** The URL with any password masked, so errors can name it safely. */
function shown(url: string): string {
  const at = url.lastIndexOf("@");
  const colon = url.indexOf(":", SCHEME.length);
  if (at < 0 || colon < 0 || colon > at) return JSON.stringify(url);
  return JSON.stringify(`${url.slice(0, colon + 1)}***${url.slice(at)}`);
}

/**
 * Parses a `zk://` URL.
 *
 * @example
 * ```ts
 * parseZkUrl("zk://ops:pw@10.0.0.1:2181,10.0.0.2:2181/mesos");
 * // { servers: "10.0.0.1:2181,10.0.0.2:2181", chroot: "/mesos", auth: { user: "ops", pass: "pw" } }
 * ```
 *
 * @throws {TypeError} when `url` is not a string starting with `zk://`.
 * @throws {RangeError} naming the URL (password masked) when the servers,
 *   ports, credentials or path are malformed, or the path is empty or `/`.
 */
export function parseZkUrl(url: string): ZkUrl {
  if (typeof url !== "string" || !url.toLowerCase().startsWith(SCHEME)) {
    throw new TypeError(
      `Cannot parse ZooKeeper URL ${
        typeof url === "string" ? shown(url) : String(url)
      }: expected zk://[user:pass@]host:port[,host:port...]/path`,
    );
  }
  const rest = url.slice(SCHEME.length);
  const slash = rest.indexOf("/");
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? "" : rest.slice(slash);
  const bad = (why: string) => new RangeError(`Cannot parse ZooKeeper URL ${shown(url)}: ${why}`);

  const at = authority.lastIndexOf("@");
  const hostList = at < 0 ? authority : authority.slice(at + 1);
  let auth: ZkAuth | undefined;
  if (at >= 0) {
    const credentials = authority.slice(0, at);
    const colon = credentials.indexOf(":");
    if (colon <= 0) throw bad("credentials must be user:pass");
    auth = { user: credentials.slice(0, colon), pass: credentials.slice(colon + 1) };
  }

  if (hostList === "") throw bad("no servers");
  const servers = hostList.split(",").map((server) => parseServer(server, bad)).join(",");
  return { servers, chroot: parsePath(path, bad), ...(auth ? { auth } : {}) };
}

function parseServer(server: string, bad: (why: string) => RangeError): string {
  if (server.startsWith("[")) throw bad(`IPv6 server ${JSON.stringify(server)} is not supported`);
  const parts = server.split(":");
  const host = parts[0] ?? "";
  if (parts.length > 2 || !HOST.test(host)) {
    throw bad(`bad server ${JSON.stringify(server)}: expected host:port`);
  }
  if (parts.length === 1) return `${host}:${DEFAULT_ZK_PORT}`;
  const portText = parts[1] ?? "";
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65535) {
    throw bad(
      `bad port ${JSON.stringify(portText)} in ${JSON.stringify(server)}: expected 1..65535`,
    );
  }
  return `${host}:${port}`;
}

function parsePath(path: string, bad: (why: string) => RangeError): string {
  if (path === "" || path === "/") throw bad("the path must name a znode, e.g. /mesos");
  const trimmed = path.endsWith("/") ? path.slice(0, -1) : path;
  const segments = trimmed.slice(1).split("/");
  for (const s of segments) {
    if (s === "" || s === "." || s === ".." || s.includes("\0")) {
      throw bad(`bad path ${JSON.stringify(path)}: empty, ".", ".." or NUL segment`);
    }
  }
  return trimmed;
}

/** Formats a {@linkcode ZkUrl} back into a `zk://` URL; `mask` hides the password. */
export function formatZkUrl(url: ZkUrl, options: { mask?: boolean } = {}): string {
  const creds = url.auth ? `${url.auth.user}:${options.mask ? "***" : url.auth.pass}@` : "";
  return `${SCHEME}${creds}${url.servers}${url.chroot}`;
}
