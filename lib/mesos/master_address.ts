/**
 * Pure parsing of where the Mesos master is: `--master` values and the
 * MasterInfo that masters publish in ZooKeeper (JSON, legacy protobuf, or a
 * bare `master@ip:port` pid).
 *
 * @module
 */

import { parseZkUrl, type ZkUrl } from "../zk/url.ts";

/** A parsed `--master` value: a fixed master or a ZooKeeper group to watch. */
export type MasterSpec =
  | { kind: "static"; url: URL }
  | { kind: "zk"; zk: ZkUrl };

/** The port a master listens on when none is given. */
export const DEFAULT_MASTER_PORT = 5050;

/** The parts of `mesos.v1.MasterInfo` used to find a master (all optional here). */
export interface MasterInfo {
  id?: string;
  /** IPv4 packed little-endian into a uint32 (16777343 = 127.0.0.1). */
  ip?: number;
  port?: number;
  /** libprocess pid, `master@ip:port`. */
  pid?: string;
  hostname?: string;
  version?: string;
  address?: { hostname?: string; ip?: string; port?: number };
}

const HOST = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)$/;

/**
 * Packs a dotted IPv4 address the way Mesos stores `MasterInfo.ip`: the first
 * octet in the lowest byte.
 *
 * @example
 * ```ts
 * packIpv4("127.0.0.1"); // 16777343
 * ```
 * @throws {RangeError} naming the value when it is not a dotted IPv4 address.
 */
export function packIpv4(ip: string): number {
  const parts = ip.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw new RangeError(`Cannot pack IPv4 address ${JSON.stringify(ip)}: expected a.b.c.d`);
  }
  const [a, b, c, d] = parts.map(Number) as [number, number, number, number];
  return (a | (b << 8) | (c << 16) | (d << 24)) >>> 0;
}

/**
 * The inverse of {@linkcode packIpv4}: `16777343` → `"127.0.0.1"`.
 *
 * @throws {RangeError} naming the value when it is not a uint32.
 */
export function unpackIpv4(packed: number): string {
  if (!Number.isInteger(packed) || packed < 0 || packed > 0xffffffff) {
    throw new RangeError(`Cannot unpack IPv4 address ${packed}: expected a uint32`);
  }
  return [0, 8, 16, 24].map((shift) => (packed >>> shift) & 0xff).join(".");
}

function baseUrl(scheme: string, host: string, port: number): URL {
  const h = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return new URL(`${scheme}://${h}:${port}/`);
}

function parsePort(text: string, spec: string): number {
  const port = Number(text);
  if (!/^\d{1,5}$/.test(text) || port < 1 || port > 65535) {
    throw new RangeError(
      `Cannot parse master ${JSON.stringify(spec)}: bad port ${JSON.stringify(text)}`,
    );
  }
  return port;
}

/** Splits `host[:port]` (IPv6 in brackets), defaulting the port to 5050. */
function hostPort(authority: string, spec: string): { host: string; port: number } {
  const m = /^(\[[^\]]*\]|[^:]*)(?::([^:]*))?$/.exec(authority);
  const host = m?.[1] ?? "";
  if (!m || !HOST.test(host)) {
    throw new RangeError(
      `Cannot parse master ${JSON.stringify(spec)}: expected host:port, master@host:port, ` +
        `http(s)://host:port[/path] or zk://host:port[,...]/path`,
    );
  }
  return { host, port: m[2] === undefined ? DEFAULT_MASTER_PORT : parsePort(m[2], spec) };
}

/**
 * Parses a `--master` value: `host[:port]`, `master@host[:port]`,
 * `http(s)://host[:port][/path]` (the path is kept as a prefix, ending in `/`)
 * or `zk://[user:pass@]host:port[,...]/path`. Ports default to 5050.
 *
 * @example
 * ```ts
 * parseMasterSpec("master@10.0.0.1:5050"); // { kind: "static", url: http://10.0.0.1:5050/ }
 * parseMasterSpec("zk://zk1:2181/mesos").kind; // "zk"
 * ```
 * @throws {RangeError} naming the value when it is none of these.
 */
export function parseMasterSpec(spec: string): MasterSpec {
  const text = typeof spec === "string" ? spec.trim() : "";
  if (text === "") {
    throw new RangeError(`Cannot parse master ${JSON.stringify(spec)}: empty`);
  }
  if (/^zk:\/\//i.test(text)) {
    try {
      return { kind: "zk", zk: parseZkUrl(text) };
    } catch (error) {
      throw new RangeError((error as Error).message, { cause: error });
    }
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    if (scheme !== "http" && scheme !== "https") {
      throw new RangeError(
        `Cannot parse master ${JSON.stringify(spec)}: unsupported scheme ${scheme}://`,
      );
    }
    const rest = text.slice(scheme.length + 3);
    const end = rest.search(/[/?#]/);
    const authority = end < 0 ? rest : rest.slice(0, end);
    const tail = end < 0 ? "/" : rest.slice(end);
    if (authority.includes("@") || /[?#]/.test(tail)) {
      throw new RangeError(
        `Cannot parse master ${JSON.stringify(spec)}: no credentials, query or fragment allowed`,
      );
    }
    const { host, port } = hostPort(authority, spec);
    const url = baseUrl(scheme, host, port);
    url.pathname = tail.endsWith("/") ? tail : `${tail}/`;
    return { kind: "static", url };
  }
  const authority = text.startsWith("master@") ? text.slice("master@".length) : text;
  const { host, port } = hostPort(authority, spec);
  return { kind: "static", url: baseUrl("http", host, port) };
}

/**
 * Parses the JSON MasterInfo a master writes to `json.info_<seq>`.
 *
 * @throws {RangeError} naming (the start of) the text when it is not a JSON object.
 */
export function masterInfoFromJson(json: string | Uint8Array): MasterInfo {
  const text = typeof json === "string" ? json : new TextDecoder().decode(json);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new RangeError(
      `Cannot parse MasterInfo JSON ${JSON.stringify(text.slice(0, 120))}: expected an object`,
    );
  }
  const o = value as Record<string, unknown>;
  const str = (v: unknown) => typeof v === "string" ? v : undefined;
  const num = (v: unknown) => typeof v === "number" && Number.isFinite(v) ? v : undefined;
  const info: MasterInfo = {
    id: str(o.id),
    ip: num(o.ip),
    port: num(o.port),
    pid: str(o.pid),
    hostname: str(o.hostname),
    version: str(o.version),
  };
  if (o.address !== null && typeof o.address === "object") {
    const a = o.address as Record<string, unknown>;
    info.address = { hostname: str(a.hostname), ip: str(a.ip), port: num(a.port) };
  }
  return info;
}

/**
 * Decodes the legacy binary (protobuf) MasterInfo of `info_<seq>` nodes,
 * reading only fields 1–7; unknown fields are skipped.
 *
 * @throws {RangeError} when the bytes are not a well-formed message.
 */
export function masterInfoFromProtobuf(bytes: Uint8Array): MasterInfo {
  const info: MasterInfo = {};
  for (const [field, value] of protoFields(bytes)) {
    if (typeof value === "number") {
      if (field === 2) info.ip = value;
      if (field === 3) info.port = value;
      continue;
    }
    const text = () => new TextDecoder().decode(value);
    if (field === 1) info.id = text();
    else if (field === 4) info.pid = text();
    else if (field === 5) info.hostname = text();
    else if (field === 6) info.version = text();
    else if (field === 7) {
      const address: NonNullable<MasterInfo["address"]> = {};
      for (const [f, v] of protoFields(value)) {
        if (f === 1 && typeof v !== "number") address.hostname = new TextDecoder().decode(v);
        if (f === 2 && typeof v !== "number") address.ip = new TextDecoder().decode(v);
        if (f === 3 && typeof v === "number") address.port = v;
      }
      info.address = address;
    }
  }
  return info;
}

/** Yields `[field, varint | bytes]` for varint and length-delimited fields. */
function* protoFields(bytes: Uint8Array): Generator<[number, number | Uint8Array]> {
  let at = 0;
  const bad = () => new RangeError(`Cannot decode MasterInfo protobuf at byte ${at}`);
  const varint = (): number => {
    let result = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      const b = bytes[at++];
      if (b === undefined) throw bad();
      if (shift < 35) result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
    }
    throw bad();
  };
  while (at < bytes.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) yield [field, varint() >>> 0];
    else if (wire === 2) {
      const len = varint();
      if (at + len > bytes.length) throw bad();
      yield [field, bytes.subarray(at, at + len)];
      at += len;
    } else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else throw bad();
  }
  if (at > bytes.length) throw bad();
}

/**
 * Parses a libprocess pid `master@ip:port` into the master's base URL.
 *
 * @throws {RangeError} naming the value when it is not `name@host:port`.
 */
export function masterUrlFromPid(pid: string, scheme = "http"): URL {
  const m = /^[^@\s]+@([^:\s]+):(\d+)$/.exec(pid.trim());
  if (!m || !HOST.test(m[1]!)) {
    throw new RangeError(`Cannot parse master pid ${JSON.stringify(pid)}: expected master@ip:port`);
  }
  return baseUrl(scheme, m[1]!, parsePort(m[2]!, pid));
}

/**
 * The base URL of the master a MasterInfo describes, preferring `address.ip`,
 * then the packed `ip`, then the pid, then a hostname; the port comes from
 * `address.port`, else `port`, else 5050.
 *
 * @throws {RangeError} naming the master id when no address can be found.
 */
export function masterUrlFromInfo(info: MasterInfo, scheme = "http"): URL {
  const port = info.address?.port ?? info.port ?? DEFAULT_MASTER_PORT;
  if (info.address?.ip) return baseUrl(scheme, info.address.ip, port);
  if (info.ip) return baseUrl(scheme, unpackIpv4(info.ip), port);
  if (info.pid) return masterUrlFromPid(info.pid, scheme);
  const hostname = info.address?.hostname || info.hostname;
  if (hostname && HOST.test(hostname)) return baseUrl(scheme, hostname, port);
  throw new RangeError(
    `Cannot find an address in MasterInfo ${JSON.stringify(info.id ?? "")}: ` +
      `no address.ip, ip, pid or hostname`,
  );
}
