/**
 * The table of the scheduler's flags: name, default shown in `--help`, environment
 * fallbacks, and how each value is parsed into the {@linkcode Config}.
 *
 * @module
 */
import { parseZkUrl } from "../lib/zk/url.ts";
import type { Config } from "./config.ts";
import { backupFlagSpecs } from "./backup_config.ts";
import { volumeFlagSpecs } from "./volume_config.ts";
import { tlsFlagSpecs } from "./tls/tls_config.ts";
import { maintenanceFlagSpecs } from "./maintenance/maintenance_config.ts";
import type { Placement } from "./core/state.ts";
import {
  badValue,
  type FlagSpec,
  loggingFlagSpecs,
  parseBool,
  parseDuration,
  parseNumber,
  parsePort,
} from "../lib/flags.ts";

/** One scheduler flag. */
export type Spec = FlagSpec<Config>;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function text(check: RegExp, expected: string) {
  return (flag: string, value: string): string => {
    if (!check.test(value)) throw badValue(flag, value, expected);
    return value;
  };
}
const nonEmpty = text(/\S/, "a non-empty value");
const anyUrl = text(
  /^([a-z][a-z0-9+.-]*:\/\/\S+|\/\S*)$/i,
  "a URL (http://, https://, file://) or an absolute path",
);

function master(flag: string, value: string): string {
  if (/^zk:\/\//i.test(value)) {
    try {
      parseZkUrl(value);
    } catch (e) {
      throw badValue(flag, value, `zk://host:port[,host:port]/path (${(e as Error).message})`);
    }
    return value;
  }
  return text(
    /^((master@)?[A-Za-z0-9.\-\[\]:]+:[0-9]{1,5}|https?:\/\/[A-Za-z0-9.\-\[\]:]+(:[0-9]{1,5})?\/?)$/,
    "host:port, master@host:port, http(s)://host:port or zk://host:port/path",
  )(flag, value);
}

function placement(flag: string, value: string): Placement {
  if (value === "agent" || value === "hostname") return { kind: value };
  const m = /^attribute:([A-Za-z0-9._-]+)$/.exec(value);
  if (m) return { kind: "attribute", name: m[1]! };
  throw badValue(flag, value, "agent, hostname or attribute:NAME");
}

/** Every flag, in `--help` order. */
export const SPECS: Spec[] = [
  {
    name: "help",
    def: "false",
    help: "print this help and exit",
    bool: true,
    apply: (c, v, f) => c.help = parseBool(f, v),
  },
  {
    name: "framework-name",
    def: "etcd",
    env: ["FRAMEWORK_NAME"],
    help: "cluster name: FrameworkInfo.name, ZooKeeper node names",
    apply: (c, v, f) => c.frameworkName = text(NAME, "letters, digits, '.', '_' or '-'")(f, v),
  },
  {
    name: "master",
    def: "127.0.0.1:5050",
    env: ["MESOS_MASTER"],
    help: "Mesos master: host:port, master@host:port or zk://host:port/mesos",
    apply: (c, v, f) => c.master = master(f, v),
  },
  {
    name: "zk-framework-persist",
    def: "(required)",
    env: ["ZK_PERSIST"],
    help: "zk://host:port[,host:port]/path keeping the framework id (required unless --ephemeral)",
    apply: (c, v, f) => {
      try {
        parseZkUrl(v);
      } catch (e) {
        throw badValue(f, v, `zk://host:port[,host:port]/path (${(e as Error).message})`);
      }
      c.zkFrameworkPersist = v;
    },
  },
  {
    name: "ephemeral",
    def: "false",
    bool: true,
    help:
      "explicitly ephemeral framework: no ZooKeeper persistence (a scheduler restart loses the framework)",
    apply: (c, v, f) => c.ephemeral = parseBool(f, v),
  },
  {
    name: "cluster-size",
    def: "5",
    env: ["CLUSTER_SIZE"],
    help: "desired etcd members (odd, 1..9)",
    apply: (c, v, f) => {
      const n = /^[0-9]+$/.test(v.trim()) ? Number(v) : NaN;
      if (!(n >= 1 && n <= 9 && n % 2 === 1)) throw badValue(f, v, "an odd integer 1..9");
      c.clusterSize = n;
    },
  },
  {
    name: "admin-port",
    def: "23400",
    env: ["PORT0"],
    help: "admin HTTP port (/healthz /stats /members /metrics /reseed)",
    apply: (c, v, f) => c.adminPort = parsePort(f, v),
  },
  {
    name: "admin-address",
    def: "127.0.0.1 (0.0.0.0 when PORT0 is set)",
    env: ["ADMIN_ADDRESS"],
    help: "address the admin API binds; use 0.0.0.0 for external health checks",
    apply: (c, v, f) => c.adminAddress = nonEmpty(f, v),
  },
  {
    name: "admin-token",
    def: "",
    env: ["ADMIN_TOKEN"],
    help: "bearer token required by POST /reseed (no token: reseed over HTTP disabled)",
    apply: (c, v, f) => c.adminToken = nonEmpty(f, v),
  },
  {
    name: "admin-token-file",
    def: "",
    env: ["ADMIN_TOKEN_FILE"],
    help: "file holding the admin token",
    apply: (c, v, f) => c.adminTokenFile = nonEmpty(f, v),
  },
  {
    name: "reseed-timeout",
    def: "240",
    env: ["RESEED_TIMEOUT"],
    help:
      "seconds (or 4m) without quorum before a reseed; also the wait per fence/candidate (min 30s)",
    apply: (c, v, f) => c.reseedTimeoutMs = parseDuration(f, v),
  },
  {
    name: "auto-reseed",
    def: "true",
    env: ["AUTO_RESEED"],
    bool: true,
    help: "reseed automatically after --reseed-timeout",
    apply: (c, v, f) => c.autoReseed = parseBool(f, v),
  },
  {
    name: "artifact-port",
    def: "12300",
    env: ["PORT2", "PORT1"],
    help: "port of the HTTP server giving agents the executor and etcd",
    apply: (c, v, f) => c.artifactPort = parsePort(f, v),
  },
  {
    name: "sandbox-cpu-limit",
    def: "4",
    env: ["CPU_LIMIT"],
    help: "cpus per etcd member (the executor adds 0.1)",
    apply: (c, v, f) => c.cpuLimit = parseNumber(f, v, 0, true),
  },
  {
    name: "sandbox-mem-limit",
    def: "2048",
    env: ["MEM_LIMIT"],
    help: "MB of memory per etcd member (the executor adds 32)",
    apply: (c, v, f) => c.memLimitMb = parseNumber(f, v, 0, true),
  },
  {
    name: "sandbox-disk-limit",
    def: "4096",
    env: ["DISK_LIMIT"],
    help: "MB of disk per etcd member",
    apply: (c, v, f) => c.diskLimitMb = parseNumber(f, v, 0),
  },
  {
    name: "executor-bin",
    def: "./bin/etcd-mesos-executor",
    help: "executor artifact served to agents",
    apply: (c, v, f) => c.executorBin = nonEmpty(f, v),
  },
  {
    name: "etcd-bin",
    def: "./bin/etcd",
    help: "etcd binary served to agents",
    apply: (c, v, f) => c.etcdBin = nonEmpty(f, v),
  },
  {
    name: "etcdctl-bin",
    def: "./bin/etcdctl",
    help: "etcdctl binary served to agents",
    apply: (c, v, f) => c.etcdctlBin = nonEmpty(f, v),
  },
  {
    name: "executor-uri",
    def: "(served from --executor-bin)",
    env: ["EXECUTOR_URI"],
    help: "URI agents fetch the executor from instead",
    apply: (c, v, f) => c.executorUri = anyUrl(f, v),
  },
  {
    name: "etcd-uri",
    def: "(served from --etcd-bin)",
    env: ["ETCD_URI"],
    help: "URI agents fetch etcd from instead",
    apply: (c, v, f) => c.etcdUri = anyUrl(f, v),
  },
  {
    name: "address",
    def: "(host name)",
    help: "this scheduler's address for artifact and web UI URLs",
    apply: (c, v, f) => c.address = nonEmpty(f, v),
  },
  {
    name: "mesos-authentication-principal",
    def: "",
    env: ["MESOS_AUTHENTICATION_PRINCIPAL"],
    help: "principal for HTTP basic auth to the master",
    apply: (c, v, f) => c.mesosAuthenticationPrincipal = nonEmpty(f, v),
  },
  {
    name: "mesos-authentication-secret-file",
    def: "",
    env: ["MESOS_AUTHENTICATION_SECRET_FILE"],
    help: "file holding the principal's secret",
    apply: (c, v, f) => c.mesosAuthenticationSecretFile = nonEmpty(f, v),
  },
  {
    name: "mesos-offer-refuse-seconds",
    def: "15",
    help: "decline filter for offers that do not fit",
    apply: (c, v, f) => c.offerRefuseSeconds = parseNumber(f, v, 0),
  },
  {
    name: "single-instance-per-slave",
    def: "true",
    env: ["SINGLE_INSTANCE_PER_SLAVE"],
    bool: true,
    help: "at most one member per agent (see --placement)",
    apply: (c, v, f) => c.singleInstancePerSlave = parseBool(f, v),
  },
  {
    name: "failover-timeout-seconds",
    def: "604800",
    env: ["FRAMEWORK_FAILOVER_TIMEOUT_SECONDS"],
    help: "FrameworkInfo.failover_timeout",
    apply: (c, v, f) => c.failoverTimeoutSeconds = parseNumber(f, v, 0),
  },
  {
    name: "framework-weburi",
    def: "http://<address>:<admin-port>/",
    env: ["WEBURI"],
    help: "FrameworkInfo.webui_url",
    apply: (c, v, f) => c.frameworkWebUri = anyUrl(f, v),
  },
  ...loggingFlagSpecs<Config>(),
  {
    name: "logtostderr",
    def: "true",
    bool: true,
    help: "accepted for compatibility (logs always go to stderr)",
    apply: (_c, v, f) => void parseBool(f, v),
  },
  {
    name: "alsologtostderr",
    def: "true",
    bool: true,
    help: "accepted for compatibility",
    apply: (_c, v, f) => void parseBool(f, v),
  },
  {
    name: "log_dir",
    def: "",
    help: "accepted for compatibility (ignored: logs go to stderr)",
    apply: (c, v) => c.logDir = v,
  },
  {
    name: "role",
    def: "*",
    env: ["MESOS_ROLE"],
    help: "Mesos role to take offers from",
    apply: (c, v, f) =>
      c.role = text(/^(\*|[A-Za-z0-9_][A-Za-z0-9._\/-]*)$/, "* or a role name")(f, v),
  },
  {
    name: "health-interval",
    def: "5s",
    help: "how often every member is probed",
    apply: (c, v, f) => c.healthIntervalMs = parseDuration(f, v),
  },
  {
    name: "member-grace-period",
    def: "30s",
    help: "how long a running member may be unreachable before it is replaced",
    apply: (c, v, f) => c.memberGracePeriodMs = parseDuration(f, v),
  },
  {
    name: "destructive-interval",
    def: "30s",
    help: "at most one member removal/kill per this interval",
    apply: (c, v, f) => c.destructiveIntervalMs = parseDuration(f, v, true),
  },
  {
    name: "encoding",
    def: "json",
    help: "Mesos API encoding: json or protobuf",
    apply: (c, v, f) =>
      c.encoding = text(/^(json|protobuf)$/, "json or protobuf")(f, v) as Config["encoding"],
  },
  {
    name: "placement",
    def: "agent",
    help: "spread members by agent, hostname or attribute:NAME",
    apply: (c, v, f) => c.placement = placement(f, v),
  },
  ...backupFlagSpecs<Config>(),
  ...volumeFlagSpecs<Config>(),
  ...maintenanceFlagSpecs<Config>(),
  ...tlsFlagSpecs<Config>(),
];
