/**
 * The master's MasterInfo, as a Mesos 1.12 master fills it in (SUBSCRIBED, ZooKeeper).
 *
 * @module
 */
import type { Plain } from "../../mesos/plain.ts";

/** Version string the local master and agents report. */
export const MESOS_VERSION = "1.12.0";

/**
 * Packs an IPv4 address the way MasterInfo.ip carries it (network byte order read as a
 * little-endian uint32: `127.0.0.1` is 16777343).
 *
 * @throws {RangeError} naming the address when it is not dotted-quad IPv4.
 */
export function packIPv4(ip: string): number {
  const parts = ip.split(".").map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : NaN));
  if (parts.length !== 4 || parts.some((p) => Number.isNaN(p) || p > 255)) {
    throw new RangeError(`Cannot pack IP address ${JSON.stringify(ip)}: expected IPv4 a.b.c.d`);
  }
  const [a, b, c, d] = parts as [number, number, number, number];
  return (a | (b << 8) | (c << 16) | (d << 24)) >>> 0;
}

/** MasterInfo for a master `id` listening on `ip:port`, advertised as `hostname`. */
export function makeMasterInfo(id: string, ip: string, port: number, hostname: string): Plain {
  return {
    id,
    ip: packIPv4(ip),
    port,
    pid: `master@${ip}:${port}`,
    hostname,
    version: MESOS_VERSION,
    address: { hostname, ip, port },
    capabilities: [{ type: "AGENT_UPDATE" }, { type: "AGENT_DRAINING" }, { type: "QUOTA_V2" }],
  };
}
