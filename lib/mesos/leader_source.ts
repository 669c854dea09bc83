/**
 * Where the scheduler client finds the leading master: a master detector (ZooKeeper or
 * static, see master_detector.ts) or a single `host:port` given by hand.
 *
 * @module
 */

/** The part of a master detector the Mesos clients use (`MasterDetector` satisfies it). */
export interface LeaderSource {
  /** The leading master's base URL (`http://host:port/`), or undefined when none is known. */
  current(): Promise<URL | undefined>;
  /** Calls `cb` when the leader changes; returns a function that stops the calls. */
  onChange?(cb: (leader: URL | undefined) => void): () => void;
}

/**
 * Parses one master address: `host:port`, `http://host:port` or `https://host:port`
 * (any path is dropped). Defaults the port to 5050.
 *
 * @throws {TypeError} naming the value for `zk://` URLs (use a detector) and garbage.
 */
export function parseMasterAddress(spec: string): URL {
  const text = spec.trim();
  if (/^zk:\/\//i.test(text)) {
    throw new TypeError(
      `Cannot use master "${spec}" directly: zk:// addresses need a master detector`,
    );
  }
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new TypeError(`Cannot parse master "${spec}": expected host:port or http://host:port`);
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.hostname === "") {
    throw new TypeError(`Cannot parse master "${spec}": expected host:port or http://host:port`);
  }
  const authority = withScheme.slice(withScheme.indexOf("//") + 2).split(/[/?#]/)[0]!;
  if (!/:\d+$/.test(authority)) url.port = "5050";
  return new URL(url.origin + "/");
}

/** A source that always names the same master. */
export function staticLeader(master: string | URL): LeaderSource {
  const url = parseMasterAddress(typeof master === "string" ? master : master.href);
  return { current: () => Promise.resolve(new URL(url)) };
}

/** Wraps an address as a static source; passes a detector through unchanged. */
export function toLeaderSource(master: LeaderSource | string | URL): LeaderSource {
  return typeof master === "string" || master instanceof URL ? staticLeader(master) : master;
}
