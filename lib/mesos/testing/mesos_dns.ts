/**
 * The DNS records Mesos-DNS (v0.7) serves for a master's `/master/state.json`, computed the
 * way its record generator does (pure). Used to check that our tasks' DiscoveryInfo yields
 * `_etcd-server._tcp.<framework>.mesos` (peer ports, for `etcd --discovery-srv`) and
 * `_etcd-server._client.<framework>.mesos` (client ports), and that the local master's state
 * is something Mesos-DNS can read at all (it rejects a whole state for one bad `pid` or
 * port range).
 *
 * Record names end with a dot, as Mesos-DNS keeps them; SRV values are `target:port`.
 *
 * @module
 */
import { createHash } from "node:crypto";

/** A state Mesos-DNS could not read; the message names the bad field and value. */
export class MesosDnsError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "MesosDnsError";
  }
}

/** Where a task's A record address comes from, in priority order (Mesos-DNS `IPSources`). */
export type IpSource = "netinfo" | "mesos" | "docker" | "host";

/** Options of {@linkcode mesosDnsRecords}. */
export interface MesosDnsOptions {
  /** The DNS domain; default `mesos`. */
  domain?: string;
  /** Default Mesos-DNS's `["netinfo", "mesos", "host"]`. */
  ipSources?: IpSource[];
}

/** Name → values (IP addresses for A, `target:port` for SRV), values sorted. */
export interface MesosDnsRecords {
  a: Record<string, string[]>;
  srv: Record<string, string[]>;
}

/** Mesos-DNS's RFC 1123 label mangling: lower case, `.`/`_` → `-`, others dropped, ≤ 63. */
export function dnsLabel(name: string): string {
  let mapped = "";
  for (const ch of name) {
    if (/[A-Z]/.test(ch)) mapped += ch.toLowerCase();
    else if (/[a-z0-9]/.test(ch)) mapped += ch;
    else if (ch === "-" || ch === "." || ch === "_") mapped += "-";
  }
  const trim = mapped.replace(/^-+/, "");
  const size = Math.min(trim.length, 63);
  const head = trim.slice(0, size).replace(/-+$/, "");
  if (head.length === size) return head;
  const tail = trim.slice(size).replace(/^-+/, "");
  return tail.length > 0 ? head + tail.slice(0, size - head.length) : head;
}

/** A dotted name mangled label by label (empty labels dropped), as Mesos-DNS's `DomainFrag`. */
export function domainFrag(name: string): string {
  return name.split(".").map(dnsLabel).filter((l) => l !== "").join(".");
}

const ZBASE32 = "ybndrfg8ejkmcpqxot1uwisza345h769";

/** z-base-32 encoding (no padding), most significant bits first. */
export function zbase32(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const b of bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ZBASE32[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ZBASE32[(buffer << (5 - bits)) & 31];
  return out;
}

/** The 5-character task id hash in Mesos-DNS's canonical task names. */
export function taskIdHash(taskId: string): string {
  return zbase32(createHash("sha1").update(taskId).digest()).slice(0, 5);
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === "string" ? v : "");

/** `id@host:port` → `{host, port}`; throws naming `what` (Mesos-DNS fails the whole state). */
function upid(value: unknown, what: string): { host: string; port: string } {
  const m = typeof value === "string" ? /^[^@]+@(.+):([0-9]+)$/.exec(value) : null;
  if (m === null) {
    throw new MesosDnsError(
      `Mesos-DNS cannot parse ${what} ${JSON.stringify(value)}: expected "id@host:port"`,
    );
  }
  return { host: m[1]!, port: m[2]! };
}

/** The ports of a `"[a-b, c-d]"` resource string; throws on a range Mesos-DNS cannot split. */
export function portsOfRanges(ranges: string, what = "ports"): number[] {
  if (ranges === "" || ranges === "[]") return [];
  const body = /^\[(.*)\]$/.exec(ranges.trim());
  const out: number[] = [];
  for (const part of (body?.[1] ?? "").split(",")) {
    const m = /^\s*([0-9]+)-([0-9]+)\s*$/.exec(part);
    if (body === null || m === null) {
      throw new MesosDnsError(
        `Mesos-DNS cannot read ${what} ${JSON.stringify(ranges)}: every range must be "lo-hi"`,
      );
    }
    for (let p = Number(m[1]); p <= Number(m[2]); p++) out.push(p);
  }
  return out;
}

function latestRunning(statuses: unknown): Json | undefined {
  let best: Json | undefined;
  for (const s of Array.isArray(statuses) ? statuses : []) {
    if (!isObject(s) || s.state !== "TASK_RUNNING") continue;
    if (best === undefined || Number(s.timestamp) > Number(best.timestamp)) best = s;
  }
  return best;
}

function taskIps(task: Json, agentIp: string, sources: readonly IpSource[]): string[] {
  const running = latestRunning(task.statuses);
  const out: string[] = [];
  for (const src of sources) {
    if (src === "host") out.push(agentIp);
    else if (src === "netinfo") {
      const infos = isObject(running?.container_status)
        ? running.container_status.network_infos
        : undefined;
      for (const ni of Array.isArray(infos) ? infos : []) {
        if (!isObject(ni)) continue;
        const addrs = Array.isArray(ni.ip_addresses) ? ni.ip_addresses : [];
        if (addrs.length > 0) {
          for (const a of addrs) if (isObject(a)) out.push(str(a.ip_address));
        } else out.push(str(ni.ip_address));
      }
    } else {
      const key = src === "docker"
        ? "Docker.NetworkSettings.IPAddress"
        : "MesosContainerizer.NetworkSettings.IPAddress";
      for (const l of Array.isArray(running?.labels) ? running.labels : []) {
        if (isObject(l) && l.key === key) out.push(str(l.value));
      }
    }
  }
  return out.filter((ip) => /^[0-9.]+$|:/.test(ip));
}

class RecordSet {
  readonly a = new Map<string, Set<string>>();
  readonly srv = new Map<string, Set<string>>();
  add(kind: "a" | "srv", name: string, value: string): void {
    if (value === "") return;
    const map = this[kind];
    if (!map.has(name)) map.set(name, new Set());
    map.get(name)!.add(value);
  }
  toJSON(): MesosDnsRecords {
    const plain = (m: Map<string, Set<string>>) =>
      Object.fromEntries(
        [...m].sort(([x], [y]) => (x < y ? -1 : 1)).map(([k, v]) => [k, [...v].sort()]),
      );
    return { a: plain(this.a), srv: plain(this.srv) };
  }
}

interface TaskContext {
  taskName: string;
  hash: string;
  agentTail: string;
  taskIp: string;
  agentIp: string;
}

function taskContextRecords(
  rs: RecordSet,
  ctx: TaskContext,
  task: Json,
  fname: string,
  tail: string,
): void {
  const canonical = `${ctx.taskName}-${ctx.hash}-${ctx.agentTail}.${fname}`;
  const arec = `${ctx.taskName}.${fname}`;
  rs.add("a", arec + tail, ctx.taskIp);
  rs.add("a", canonical + tail, ctx.taskIp);
  rs.add("a", `${arec}.slave${tail}`, ctx.agentIp);
  rs.add("a", `${canonical}.slave${tail}`, ctx.agentIp);
  const discovery = isObject(task.discovery) ? task.discovery : undefined;
  const hasDiscovery = str(discovery?.name) !== "";
  const resources = isObject(task.resources) ? task.resources : {};
  const ports = portsOfRanges(str(resources.ports), `task ${JSON.stringify(task.id)} ports`);
  for (const port of ports) {
    for (const proto of ["tcp", "udp"]) {
      const base = `_${ctx.taskName}._${proto}.${fname}`;
      rs.add("srv", `${base}.slave${tail}`, `${canonical}.slave${tail}:${port}`);
      if (!hasDiscovery) rs.add("srv", base + tail, `${canonical}.slave${tail}:${port}`);
    }
  }
  if (!hasDiscovery) return;
  const dports = isObject(discovery!.ports) && Array.isArray(discovery!.ports.ports)
    ? discovery!.ports.ports
    : [];
  for (const p of dports) {
    if (!isObject(p)) continue;
    const target = `${canonical}${tail}:${Number(p.number)}`;
    const proto = dnsLabel(str(p.protocol));
    const names = (proto === "" ? ["tcp", "udp"] : [proto]).map((pr) =>
      `_${ctx.taskName}._${pr}.${fname}`
    );
    const portName = dnsLabel(str(p.name));
    for (const n of names) {
      rs.add("srv", n + tail, target);
      if (portName !== "") rs.add("srv", `_${portName}.${n}${tail}`, target);
    }
  }
}

/**
 * The task records (A and SRV) and agent/leader A records Mesos-DNS generates from `state`
 * (a parsed `/master/state.json`). Only TASK_RUNNING tasks on known agents get records.
 *
 * @throws {MesosDnsError} where Mesos-DNS would reject the state: no `leader`, an agent or
 * framework `pid` that is not `id@host:port`, a running task's port range not `lo-hi`.
 */
export function mesosDnsRecords(state: unknown, options: MesosDnsOptions = {}): MesosDnsRecords {
  const domain = options.domain ?? "mesos";
  const sources = options.ipSources ?? ["netinfo", "mesos", "host"];
  const tail = `.${domain}.`;
  if (!isObject(state)) {
    throw new MesosDnsError("Mesos-DNS cannot read a state that is not an object");
  }
  const leader = upid(state.leader, "leader");
  const rs = new RecordSet();
  rs.add("a", `leader${tail}`, leader.host);
  rs.add("a", `master${tail}`, leader.host);
  const agentIps = new Map<string, string>();
  for (const s of Array.isArray(state.slaves) ? state.slaves : []) {
    if (!isObject(s)) continue;
    const pid = upid(s.pid, `agent ${JSON.stringify(s.id)} pid`);
    agentIps.set(str(s.id), pid.host);
    rs.add("a", `slave${tail}`, pid.host);
  }
  for (const f of Array.isArray(state.frameworks) ? state.frameworks : []) {
    if (!isObject(f)) continue;
    if ("pid" in f) upid(f.pid, `framework ${JSON.stringify(f.name)} pid`);
    const fname = domainFrag(str(f.name));
    for (const t of Array.isArray(f.tasks) ? f.tasks : []) {
      if (!isObject(t) || t.state !== "TASK_RUNNING") continue;
      const agentIp = agentIps.get(str(t.slave_id));
      if (agentIp === undefined) continue;
      const agentId = str(t.slave_id).split("-");
      const ctx: TaskContext = {
        taskName: dnsLabel(str(t.name)),
        hash: taskIdHash(str(t.id)),
        agentTail: agentId[agentId.length - 1]!.toLowerCase(),
        taskIp: taskIps(t, agentIp, sources)[0] ?? "",
        agentIp,
      };
      const discoveryName = isObject(t.discovery) ? str(t.discovery.name) : "";
      if (discoveryName !== "") {
        // Mesos-DNS writes the raw DiscoveryInfo name (legacy) and the mangled one.
        taskContextRecords(rs, { ...ctx, taskName: discoveryName }, t, fname, tail);
        taskContextRecords(rs, { ...ctx, taskName: dnsLabel(discoveryName) }, t, fname, tail);
      } else {
        taskContextRecords(rs, ctx, t, fname, tail);
      }
    }
  }
  return rs.toJSON();
}

/** The ports of the SRV records of `name` (trailing dot optional), sorted. */
export function srvPorts(records: MesosDnsRecords, name: string): number[] {
  const key = name.endsWith(".") ? name : `${name}.`;
  return (records.srv[key] ?? []).map((v) => Number(v.slice(v.lastIndexOf(":") + 1)))
    .sort((x, y) => x - y);
}
