/**
 * The scheduler's configuration: every flag of the original etcd-mesos scheduler (same names
 * and defaults where they still make sense), the original Docker image's environment
 * variables as fallbacks, and the new flags this design needs. Pure: `parseConfig` reads only
 * its arguments and throws {@linkcode ConfigError} naming the flag and the bad value.
 *
 * @module
 */
import { SPECS } from "./config_specs.ts";
import type { CoreOptions, Placement } from "./core/state.ts";
import { ConfigError, tokenize } from "../lib/flags.ts";
import { type BackupConfig, defaultBackupConfig, settleBackupConfig } from "./backup_config.ts";
import { defaultTlsConfig, settleTlsConfig, type TlsConfig } from "./tls/tls_config.ts";
import {
  defaultVolumeConfig,
  settleVolumeConfig,
  type VolumeConfig,
  volumesOn,
} from "./volume_config.ts";
import {
  defaultMaintenanceConfig,
  type MaintenanceConfig,
  settleMaintenanceConfig,
} from "./maintenance/maintenance_config.ts";

export { ConfigError } from "../lib/flags.ts";

/** Everything the scheduler is told. Durations in milliseconds. */
export interface Config {
  /** `--help` was given: print {@linkcode usage} and exit 0. */
  help: boolean;
  frameworkName: string;
  /** `host:port`, `master@host:port`, `http(s)://host:port` or `zk://.../mesos`. */
  master: string;
  /** `zk://h1:p1,h2:p2/chroot` where the framework id is kept; unset only when ephemeral. */
  zkFrameworkPersist?: string;
  /** Explicitly ephemeral framework: no ZooKeeper persistence (the local cluster). */
  ephemeral: boolean;
  clusterSize: number;
  adminPort: number;
  adminAddress: string;
  adminToken?: string;
  adminTokenFile?: string;
  reseedTimeoutMs: number;
  autoReseed: boolean;
  artifactPort: number;
  cpuLimit: number;
  memLimitMb: number;
  diskLimitMb: number;
  executorBin: string;
  etcdBin: string;
  etcdctlBin: string;
  /** Where agents fetch the executor; default: served by the scheduler on `artifactPort`. */
  executorUri?: string;
  /** Where agents fetch etcd; default: served by the scheduler from `etcdBin`. */
  etcdUri?: string;
  /** The scheduler's own address (artifact URLs, web UI); default: the host name. */
  address?: string;
  mesosAuthenticationPrincipal?: string;
  mesosAuthenticationSecretFile?: string;
  offerRefuseSeconds: number;
  singleInstancePerSlave: boolean;
  failoverTimeoutSeconds: number;
  /** FrameworkInfo.webui_url; default `http://<address>:<admin-port>/`. */
  frameworkWebUri?: string;
  verbosity: number;
  logJson: boolean;
  logDir?: string;
  role: string;
  healthIntervalMs: number;
  memberGracePeriodMs: number;
  destructiveIntervalMs: number;
  encoding: "json" | "protobuf";
  placement: Placement;
  /** Backups and restores (see backup_config.ts). */
  backup: BackupConfig;
  /** Persistent volumes (see volume_config.ts). */
  volumes: VolumeConfig;
  /** Mutual TLS (see `tls/tls_config.ts`). */
  tls: TlsConfig;
  /** etcd maintenance: defragmentation, auto-compaction (see maintenance/maintenance_config.ts). */
  maintenance: MaintenanceConfig;
}

type Env = Record<string, string | undefined>;

const BY_NAME = new Map(SPECS.map((s) => [s.name, s]));
const ALIASES: Record<string, string> = { h: "help" };

function defaults(env: Env): Config {
  return {
    help: false,
    frameworkName: "etcd",
    master: "127.0.0.1:5050",
    ephemeral: false,
    clusterSize: 5,
    adminPort: 23400,
    // Marathon (PORT0 set) health-checks from outside; otherwise stay on loopback.
    adminAddress: env.PORT0 !== undefined && env.PORT0 !== "" ? "0.0.0.0" : "127.0.0.1",
    reseedTimeoutMs: 240_000,
    autoReseed: true,
    artifactPort: 12300,
    cpuLimit: 4,
    memLimitMb: 2048,
    diskLimitMb: 4096,
    executorBin: "./bin/etcd-mesos-executor",
    etcdBin: "./bin/etcd",
    etcdctlBin: "./bin/etcdctl",
    offerRefuseSeconds: 15,
    singleInstancePerSlave: true,
    failoverTimeoutSeconds: 604800,
    verbosity: 0,
    logJson: false,
    role: "*",
    healthIntervalMs: 5_000,
    memberGracePeriodMs: 30_000,
    destructiveIntervalMs: 30_000,
    encoding: "json",
    placement: { kind: "agent" },
    backup: defaultBackupConfig(),
    volumes: defaultVolumeConfig(),
    tls: defaultTlsConfig(),
    maintenance: defaultMaintenanceConfig(),
  };
}

/**
 * Parses command-line `args` with `env` as fallback (flags win) and validates everything.
 *
 * @throws {ConfigError} naming the flag (or variable) and the bad value, an unknown flag, or a
 * missing required flag.
 */
export function parseConfig(args: readonly string[], env: Env): Config {
  const c = defaults(env);
  const canonical = (n: string) => ALIASES[n] ?? n;
  const tokens = tokenize(
    args,
    (n) => BY_NAME.has(canonical(n)),
    (n) => BY_NAME.get(canonical(n))?.bool === true,
  );
  for (const spec of SPECS) {
    const name = spec.env?.find((e) => env[e] !== undefined && env[e] !== "");
    if (name !== undefined) spec.apply(c, env[name]!, name);
  }
  for (const t of tokens) BY_NAME.get(canonical(t.name))!.apply(c, t.value ?? "true", t.written);
  if (c.help) return c;
  if (c.zkFrameworkPersist === undefined && !c.ephemeral) {
    throw new ConfigError(
      "--zk-framework-persist",
      undefined,
      "Missing --zk-framework-persist (zk://host:port/path); pass --ephemeral to run without persistence",
    );
  }
  if (c.adminToken !== undefined && c.adminTokenFile !== undefined) {
    throw new ConfigError(
      "--admin-token-file",
      c.adminTokenFile,
      "Use either --admin-token or --admin-token-file, not both",
    );
  }
  if (
    (c.mesosAuthenticationPrincipal === undefined) !==
      (c.mesosAuthenticationSecretFile === undefined)
  ) {
    const missing = c.mesosAuthenticationPrincipal === undefined ? "principal" : "secret-file";
    throw new ConfigError(
      `--mesos-authentication-${missing}`,
      undefined,
      `Missing --mesos-authentication-${missing}: principal and secret file go together`,
    );
  }
  if (!c.singleInstancePerSlave) c.placement = { kind: "any" };
  settleBackupConfig(c.backup);
  settleVolumeConfig(c.volumes, c.role);
  settleTlsConfig(c.tls);
  settleMaintenanceConfig(c.maintenance);
  return c;
}

/** The core's options from a configuration. */
export function coreOptionsOf(c: Config): Partial<CoreOptions> {
  return {
    frameworkName: c.frameworkName,
    clusterSize: c.clusterSize,
    cpus: c.cpuLimit,
    memMb: c.memLimitMb,
    diskMb: c.diskLimitMb,
    placement: c.placement,
    offerRefuseSeconds: c.offerRefuseSeconds,
    healthIntervalMs: c.healthIntervalMs,
    memberGracePeriodMs: c.memberGracePeriodMs,
    destructiveIntervalMs: c.destructiveIntervalMs,
    reseedTimeoutMs: c.reseedTimeoutMs,
    autoReseed: c.autoReseed,
    ...(volumesOn(c.volumes, c.role)
      ? {
        volumes: {
          role: c.role,
          ...(c.mesosAuthenticationPrincipal ? { principal: c.mesosAuthenticationPrincipal } : {}),
          relaunchTimeoutMs: c.volumes.relaunchTimeoutMs,
        },
      }
      : {}),
  };
}

/** The `--help` text: every flag with its default and environment variable. */
export function usage(program = "etcd-mesos-scheduler"): string {
  const lines = [
    `Usage: ${program} [flags]`,
    "",
    "Runs an etcd cluster on Apache Mesos. Flags take -flag=value, --flag=value or --flag value;",
    "booleans also --flag and --flag=false. Environment variables (in brackets) are fallbacks.",
    "",
  ];
  for (const s of SPECS) {
    const env = s.env ? ` [${s.env.join(" or ")}]` : "";
    const def = s.def === "" ? "" : ` (default ${s.def})`;
    lines.push(`  --${s.name}${s.bool ? "" : "=..."}`, `      ${s.help}${def}${env}`);
  }
  return lines.join("\n") + "\n";
}
