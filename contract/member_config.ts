/**
 * The member configuration the scheduler hands to the executor in `TaskInfo.data`:
 * one JSON object telling the executor how to start its etcd member.
 *
 * The executor imports {@linkcode decodeMemberConfig}; the scheduler uses
 * {@linkcode encodeMemberConfig}. Both validate, so a bad value is caught on either side
 * with an error naming the field.
 *
 * @module
 */

import { type SnapshotSource, snapshotSourceOf, snapshotSourceProblem } from "./snapshot_source.ts";
import { type EtcdSpec, parseEtcdSpec } from "./etcd_spec.ts";

/** How etcd joins: `new` bootstraps a cluster, `existing` joins a running one. */
export type ClusterState = "new" | "existing";

/** Everything an executor needs to start one etcd member. */
export interface MemberConfig {
  /** etcd member name, e.g. `etcd-3`. */
  name: string;
  /** The agent's address that etcd listens on and advertises. */
  host: string;
  /** Peer (raft) port. */
  peerPort: number;
  /** Client port. */
  clientPort: number;
  /** etcd `--initial-cluster`: `n1=http://h:p,n2=http://h:p`, including this member. */
  initialCluster: string;
  /** etcd `--initial-cluster-state`. */
  clusterState: ClusterState;
  /** etcd `--initial-cluster-token`. */
  clusterToken: string;
  /** True when the member was added as a learner (it joins with `existing`). */
  learner: boolean;
  /**
   * Seed the member from this backup: before etcd first starts on an empty data dir, the
   * executor downloads the snapshot and restores it (`new` members seeding a cluster).
   */
  restore?: SnapshotSource;
  /**
   * Mutual TLS for clients and peers: `https://` URLs, and the executor obtains the member's
   * certificate from the scheduler (contract/certificates.ts) before it starts etcd.
   */
  tls?: boolean;
  /**
   * The etcd an operator chose by a rolling restart (contract/etcd_spec.ts): the executor
   * downloads `uri` into its sandbox and starts that binary, with `flags` added.
   */
  etcd?: EtcdSpec;
  /**
   * The container path of the member's persistent volume in the sandbox: etcd's data dir is
   * then `<sandbox>/<volume>/data`, so everything the executor does to it (a restore sets the
   * old one aside next to it) stays on the volume and a relaunch finds it there.
   */
  volume?: string;
}

/** A bad member config; `field` names the offending field, `value` is what was found. */
export class MemberConfigError extends TypeError {
  /** The field that is wrong (`"data"` when the whole payload is unreadable). */
  readonly field: string;
  /** The offending value. */
  readonly value: unknown;

  /** Creates the error; the message names the field and the value. */
  constructor(field: string, value: unknown, expected: string) {
    super(`Invalid member config field "${field}" ${show(value)}: expected ${expected}`);
    this.name = "MemberConfigError";
    this.field = field;
    this.value = value;
  }
}

function show(value: unknown): string {
  if (value === undefined) return "(missing)";
  try {
    const s = JSON.stringify(value);
    return s === undefined ? String(value) : s.length > 120 ? s.slice(0, 117) + "..." : s;
  } catch {
    return String(value);
  }
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const HOST = /^[A-Za-z0-9._:\[\]-]+$/;

/** Options of {@linkcode peerUrl} and {@linkcode clientUrl}. */
export interface UrlOptions {
  /** `https://` instead of `http://` (the cluster runs with mutual TLS). */
  tls?: boolean;
}

/** The peer URL of a member: `http(s)://host:port` (IPv6 hosts are bracketed). */
export function peerUrl(host: string, peerPort: number, options: UrlOptions = {}): string {
  return `${scheme(options)}://${urlHost(host)}:${peerPort}`;
}

/** The client URL of a member: `http(s)://host:port`. */
export function clientUrl(host: string, clientPort: number, options: UrlOptions = {}): string {
  return `${scheme(options)}://${urlHost(host)}:${clientPort}`;
}

function scheme(options: UrlOptions): string {
  return options.tls ? "https" : "http";
}

function urlHost(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

/** One `name=peerURL` entry of etcd's `--initial-cluster`. */
export interface InitialClusterEntry {
  name: string;
  peerUrl: string;
}

/** Formats entries as etcd's `--initial-cluster` value. */
export function formatInitialCluster(entries: readonly InitialClusterEntry[]): string {
  return entries.map((e) => `${e.name}=${e.peerUrl}`).join(",");
}

/**
 * Parses an `--initial-cluster` value.
 *
 * @throws {MemberConfigError} naming `initialCluster` when an entry is malformed or a
 * name repeats.
 */
export function parseInitialCluster(text: string): InitialClusterEntry[] {
  const out: InitialClusterEntry[] = [];
  const seen = new Set<string>();
  if (text.trim() === "") {
    throw new MemberConfigError("initialCluster", text, "name=http://host:port[,...]");
  }
  for (const part of text.split(",")) {
    const eq = part.indexOf("=");
    const name = eq > 0 ? part.slice(0, eq) : "";
    const url = eq > 0 ? part.slice(eq + 1) : "";
    if (!NAME.test(name) || !isHttpUrl(url) || seen.has(name)) {
      throw new MemberConfigError(
        "initialCluster",
        text,
        `distinct name=http://host:port entries (bad entry ${JSON.stringify(part)})`,
      );
    }
    seen.add(name);
    out.push({ name, peerUrl: url });
  }
  return out;
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === "http:" || u.protocol === "https:") && u.port !== "" &&
      (u.pathname === "/" || u.pathname === "") && !s.endsWith("/");
  } catch {
    return false;
  }
}

function isPort(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= 65535;
}

/**
 * Checks an untrusted value (parsed JSON) and returns it as a {@linkcode MemberConfig}
 * with only the known fields. Unknown fields are ignored so newer schedulers can add some.
 *
 * @throws {MemberConfigError} naming the first bad field.
 */
export function validateMemberConfig(value: unknown): MemberConfig {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new MemberConfigError("data", value, "a JSON object");
  }
  const v = value as Record<string, unknown>;
  if (typeof v.name !== "string" || !NAME.test(v.name)) {
    throw new MemberConfigError("name", v.name, "a member name like etcd-1 ([A-Za-z0-9._-])");
  }
  if (typeof v.host !== "string" || !HOST.test(v.host)) {
    throw new MemberConfigError("host", v.host, "a host name or IP address");
  }
  if (!isPort(v.peerPort)) throw new MemberConfigError("peerPort", v.peerPort, "a port 1..65535");
  if (!isPort(v.clientPort)) {
    throw new MemberConfigError("clientPort", v.clientPort, "a port 1..65535");
  }
  if (v.clientPort === v.peerPort) {
    throw new MemberConfigError("clientPort", v.clientPort, "a port different from peerPort");
  }
  if (typeof v.initialCluster !== "string") {
    throw new MemberConfigError("initialCluster", v.initialCluster, "a string");
  }
  const entries = parseInitialCluster(v.initialCluster);
  const own = entries.find((e) => e.name === v.name);
  if (v.tls !== undefined && typeof v.tls !== "boolean") {
    throw new MemberConfigError("tls", v.tls, "true or false");
  }
  const expectedUrl = peerUrl(v.host, v.peerPort, { tls: v.tls === true });
  if (own === undefined || own.peerUrl !== expectedUrl) {
    throw new MemberConfigError(
      "initialCluster",
      v.initialCluster,
      `an entry ${v.name}=${expectedUrl} for this member`,
    );
  }
  if (v.clusterState !== "new" && v.clusterState !== "existing") {
    throw new MemberConfigError("clusterState", v.clusterState, `"new" or "existing"`);
  }
  if (typeof v.clusterToken !== "string" || v.clusterToken === "" || /\s/.test(v.clusterToken)) {
    throw new MemberConfigError("clusterToken", v.clusterToken, "a non-empty token");
  }
  if (typeof v.learner !== "boolean") {
    throw new MemberConfigError("learner", v.learner, "true or false");
  }
  if (v.learner && v.clusterState === "new") {
    throw new MemberConfigError("learner", v.learner, `false when clusterState is "new"`);
  }
  const restoreProblem = v.restore === undefined ? undefined : snapshotSourceProblem(v.restore);
  if (restoreProblem !== undefined) {
    throw new MemberConfigError("restore", v.restore, restoreProblem);
  }
  if (
    v.volume !== undefined &&
    (typeof v.volume !== "string" || !/^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/.test(v.volume))
  ) {
    throw new MemberConfigError("volume", v.volume, "a container path like etcd_data");
  }
  let etcd: EtcdSpec | undefined;
  try {
    etcd = v.etcd === undefined ? undefined : parseEtcdSpec(v.etcd);
  } catch (err) {
    throw new MemberConfigError("etcd", v.etcd, (err as Error).message);
  }
  return {
    name: v.name,
    host: v.host,
    peerPort: v.peerPort,
    clientPort: v.clientPort,
    initialCluster: v.initialCluster,
    clusterState: v.clusterState,
    clusterToken: v.clusterToken,
    learner: v.learner,
    ...(v.tls === true ? { tls: true } : {}),
    ...(v.restore !== undefined ? { restore: snapshotSourceOf(v.restore as SnapshotSource) } : {}),
    ...(etcd !== undefined ? { etcd } : {}),
    ...(v.volume !== undefined ? { volume: v.volume as string } : {}),
  };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Encodes a config as UTF-8 JSON for `TaskInfo.data`, validating it first.
 *
 * @throws {MemberConfigError} naming the first bad field.
 */
export function encodeMemberConfig(config: MemberConfig): Uint8Array {
  const valid = validateMemberConfig(config);
  return encoder.encode(JSON.stringify(valid));
}

/**
 * Decodes and validates `TaskInfo.data` (bytes or already-decoded text).
 *
 * @throws {MemberConfigError} naming `data` when it is not UTF-8 JSON, or the first bad
 * field.
 */
export function decodeMemberConfig(data: Uint8Array | string | undefined): MemberConfig {
  if (data === undefined || data.length === 0) {
    throw new MemberConfigError("data", data, "a JSON member config in TaskInfo.data");
  }
  let text: string;
  try {
    text = typeof data === "string" ? data : decoder.decode(data);
  } catch {
    throw new MemberConfigError("data", `<${data.length} bytes>`, "UTF-8 JSON");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new MemberConfigError("data", text, "valid JSON");
  }
  return validateMemberConfig(parsed);
}
