/**
 * The etcd an operator asked for with `POST /rolling-restart`: a new etcd binary URI and/or
 * extra etcd flags. The scheduler validates it, persists it, sends it with each member's
 * `restart` order and puts it in the member config of members launched later; the executor
 * downloads the binary into its sandbox and starts etcd with it and the flags.
 *
 * Only flags that tune etcd are accepted ({@linkcode SAFE_ETCD_FLAGS}); the flags the
 * framework sets itself (name, data dir, URLs, `--initial-*`, TLS files) are refused by name.
 *
 * @module
 */

/** A new etcd for every member: binary URI and/or flags (each `--flag=value`). */
export interface EtcdSpec {
  /** Where executors download the etcd binary (http, https or file). */
  uri?: string;
  /** Extra etcd flags, each `--name=value` (or `--name` for a boolean). */
  flags?: string[];
}

/** Flags that tune etcd without touching what the framework owns. */
export const SAFE_ETCD_FLAGS: readonly string[] = [
  "quota-backend-bytes",
  "auto-compaction-mode",
  "auto-compaction-retention",
  "snapshot-count",
  "heartbeat-interval",
  "election-timeout",
  "max-request-bytes",
  "max-txn-ops",
  "max-snapshots",
  "max-wals",
  "grpc-keepalive-min-time",
  "grpc-keepalive-interval",
  "grpc-keepalive-timeout",
  "log-level",
  "logger",
  "log-outputs",
  "metrics",
  "enable-pprof",
  "backend-batch-limit",
  "backend-batch-interval",
  "backend-bbolt-freelist-type",
  "pre-vote",
  "experimental-backend-bbolt-freelist-type",
  "experimental-enable-lease-checkpoint",
  "experimental-compaction-batch-limit",
  "experimental-peer-skip-client-san-verification",
];

/** Flags (or prefixes) the framework sets for every member: an operator may not. */
export const FRAMEWORK_ETCD_FLAGS: readonly string[] = [
  "name",
  "data-dir",
  "wal-dir",
  "listen-peer-urls",
  "listen-client-urls",
  "advertise-client-urls",
  "initial-advertise-peer-urls",
  "initial-",
  "force-new-cluster",
  "discovery",
  "cert-file",
  "key-file",
  "trusted-ca-file",
  "client-cert-auth",
  "peer-",
  "auto-tls",
  "config-file",
];

const FLAG = /^--([a-z0-9][a-z0-9-]*)(?:=([^\s\0]*))?$/;

/** The name of a flag `--name=value` (without dashes), or undefined when it is not one. */
export function etcdFlagName(flag: string): string | undefined {
  return FLAG.exec(flag)?.[1];
}

/** Why `flag` may not be given to etcd, naming it; undefined when it may. */
export function etcdFlagProblem(flag: unknown): string | undefined {
  if (typeof flag !== "string") return `etcd flag ${JSON.stringify(flag)} is not a string`;
  const name = etcdFlagName(flag);
  if (name === undefined) {
    return `etcd flag ${JSON.stringify(flag)}: expected --name=value without spaces`;
  }
  if (FRAMEWORK_ETCD_FLAGS.some((f) => f.endsWith("-") ? name.startsWith(f) : name === f)) {
    return `etcd flag ${JSON.stringify(flag)}: --${name} is set by the framework`;
  }
  if (!SAFE_ETCD_FLAGS.includes(name)) {
    return `etcd flag ${JSON.stringify(flag)}: --${name} is not one of the accepted flags (${
      SAFE_ETCD_FLAGS.map((f) => `--${f}`).join(", ")
    })`;
  }
  return undefined;
}

/** Why `uri` is not an etcd URI, naming it; undefined when it is one. */
export function etcdUriProblem(uri: unknown): string | undefined {
  if (typeof uri !== "string" || uri === "") {
    return `etcdUri ${JSON.stringify(uri)}: expected an http(s) or file URI`;
  }
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return `etcdUri ${JSON.stringify(uri)}: expected an http(s) or file URI`;
  }
  if (!["http:", "https:", "file:"].includes(u.protocol)) {
    return `etcdUri ${JSON.stringify(uri)}: expected an http(s) or file URI`;
  }
  return undefined;
}

/**
 * Checks an untrusted value (a request body, a stored record, a member config field) and
 * returns it as an {@linkcode EtcdSpec} with only its known fields.
 *
 * @throws {TypeError} naming the first bad value (or every framework-owned flag).
 */
export function parseEtcdSpec(value: unknown): EtcdSpec {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new TypeError(
      `Cannot use etcd spec ${
        JSON.stringify(value)
      }: expected an object like {"etcdUri": "http://...", "flags": ["--snapshot-count=5000"]}`,
    );
  }
  const v = value as Record<string, unknown>;
  const uri = v.uri ?? v.etcdUri;
  const spec: EtcdSpec = {};
  if (uri !== undefined) {
    const problem = etcdUriProblem(uri);
    if (problem !== undefined) throw new TypeError(`Cannot use ${problem}`);
    spec.uri = uri as string;
  }
  if (v.flags !== undefined) {
    if (!Array.isArray(v.flags)) {
      throw new TypeError(`Cannot use flags ${JSON.stringify(v.flags)}: expected an array`);
    }
    const problems = v.flags.map(etcdFlagProblem).filter((p) => p !== undefined);
    if (problems.length > 0) throw new TypeError(`Cannot use ${problems.join("; ")}`);
    const names = v.flags.map((f) => etcdFlagName(f as string));
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice !== undefined) {
      throw new TypeError(`Cannot use flags ${JSON.stringify(v.flags)}: --${twice} given twice`);
    }
    spec.flags = [...v.flags as string[]];
  }
  return spec;
}

/**
 * `base` with `extra` appended, each flag of `extra` replacing a flag of the same name in
 * `base` (so etcd's command line names each flag once).
 */
export function mergeEtcdFlags(base: readonly string[], extra: readonly string[]): string[] {
  const names = new Set(extra.map(etcdFlagName).filter((n) => n !== undefined));
  const kept = base.filter((f) => {
    const name = etcdFlagName(f.startsWith("-") && !f.startsWith("--") ? `-${f}` : f);
    return name === undefined || !names.has(name);
  });
  return [...kept, ...extra];
}
