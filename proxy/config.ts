/**
 * The proxy's configuration: the original `etcd-mesos-proxy` flags (`--master`,
 * `--framework-name`, `--etcd-bin`, `--listen-client-urls`, `--data-dir`) plus the new ones
 * (`--scheduler-url`, `--poll-interval`, logging). Pure: {@linkcode parseProxyConfig} reads
 * only its arguments and throws {@linkcode ConfigError} naming the flag and the bad value.
 *
 * @module
 */
import { parseZkUrl } from "../lib/zk/url.ts";
import {
  badValue,
  type FlagSpec,
  loggingFlagSpecs,
  parseBool,
  parseDuration,
  tokenize,
} from "../lib/flags.ts";

import { ConfigError } from "../lib/flags.ts";

export { ConfigError };

/** Everything the proxy is told. Durations in milliseconds. */
export interface ProxyConfig {
  /** `--help` was given: print {@linkcode proxyUsage} and exit 0. */
  help: boolean;
  /** `host:port`, `master@host:port`, `http(s)://host:port` or `zk://…/mesos`. */
  master: string;
  frameworkName: string;
  /**
   * The schedulers' admin APIs (`http://host:23400`, several for a leader and standbys);
   * when set, asked instead of the master.
   */
  schedulerUrls?: string[];
  /** The etcd binary (a name looked up on PATH, or a path). */
  etcdBin: string;
  /** `--listen-client-urls` as given. */
  listenClientUrls: string[];
  /** `host:port` the grpc-proxy listens on: the first of {@linkcode listenClientUrls}. */
  listenAddr: string;
  /** The other listen URLs, which etcd's grpc-proxy cannot serve (it listens once). */
  ignoredListenUrls: string[];
  dataDir: string;
  /** Time between two membership polls (at least 1 s). */
  pollIntervalMs: number;
  /** `--tls`: reach the members with a certificate of the framework's CA and serve TLS. */
  tls: boolean;
  /** `--admin-token-file`: the scheduler's admin token (to get the proxy's certificate). */
  adminTokenFile?: string;
  /** `--tls-dir`: where the proxy's key and certificates go (default `<data-dir>/tls`). */
  tlsDir?: string;
  verbosity: number;
  logJson: boolean;
}

/** One proxy flag (also rendered into the README's flag table). */
export type ProxySpec = FlagSpec<ProxyConfig>;

type Env = Record<string, string | undefined>;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const MASTER =
  /^((master@)?[A-Za-z0-9.\-\[\]:]+:[0-9]{1,5}|https?:\/\/[A-Za-z0-9.\-\[\]:]+(:[0-9]{1,5})?\/?)$/;

function master(flag: string, value: string): string {
  if (/^zk:\/\//i.test(value)) {
    try {
      parseZkUrl(value);
    } catch (e) {
      throw badValue(flag, value, `zk://host:port[,host:port]/path (${(e as Error).message})`);
    }
    return value;
  }
  if (!MASTER.test(value)) {
    throw badValue(
      flag,
      value,
      "host:port, master@host:port, http(s)://host:port or zk://host:port/path",
    );
  }
  return value;
}

function httpUrl(flag: string, value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw badValue(flag, value, "an http:// or https:// URL");
  }
  return value.replace(/\/+$/, "");
}

/**
 * The `host:port` etcd's grpc-proxy listens on, from the first of `urls`; the others are
 * returned as ignored (grpc-proxy has a single `--listen-addr`).
 *
 * @throws {ConfigError} naming `flag` and the URL that is not `http://host:port`.
 */
export function listenAddrOf(
  urls: readonly string[],
  flag = "--listen-client-urls",
): { listenAddr: string; ignored: string[] } {
  const first = urls[0];
  if (first === undefined) throw badValue(flag, "", "at least one http://host:port URL");
  const URL = /^https?:\/\/([^/\s]+):([0-9]{1,5})\/?$/;
  for (const u of urls) {
    const m = URL.exec(u);
    if (m === null || Number(m[2]) > 65535) {
      throw badValue(flag, u, "http(s)://host:port URLs (https with --tls)");
    }
  }
  const m = URL.exec(first)!;
  return { listenAddr: `${m[1]}:${m[2]}`, ignored: urls.slice(1) };
}

/** Every proxy flag, in `--help` order. */
export const PROXY_SPECS: ProxySpec[] = [
  {
    name: "help",
    def: "false",
    bool: true,
    help: "print this help and exit",
    apply: (c, v, f) => c.help = parseBool(f, v),
  },
  {
    name: "master",
    def: "127.0.0.1:5050",
    env: ["MESOS_MASTER"],
    help: "Mesos master: host:port, master@host:port or zk://host:port/mesos",
    apply: (c, v, f) => c.master = master(f, v),
  },
  {
    name: "framework-name",
    def: "etcd",
    env: ["FRAMEWORK_NAME"],
    help: "the etcd-mesos framework (cluster) to proxy to",
    apply: (c, v, f) => {
      if (!NAME.test(v)) throw badValue(f, v, "letters, digits, '.', '_' or '-'");
      c.frameworkName = v;
    },
  },
  {
    name: "scheduler-url",
    def: "",
    env: ["SCHEDULER_URL"],
    help:
      "the scheduler's admin API (http://host:23400; comma-separated for a leader and standbys): ask its /members instead of the master",
    apply: (c, v, f) => {
      const urls = v.split(",").map((u) => u.trim()).filter((u) => u !== "");
      if (urls.length === 0) throw badValue(f, v, "an http:// or https:// URL");
      c.schedulerUrls = urls.map((u) => httpUrl(f, u));
    },
  },
  {
    name: "etcd-bin",
    def: "etcd",
    env: ["ETCD_BIN"],
    help: "etcd 3.4+ binary (runs `etcd grpc-proxy start`); a name is looked up on PATH",
    apply: (c, v, f) => {
      if (v.trim() === "") throw badValue(f, v, "a path or a program name");
      c.etcdBin = v;
    },
  },
  {
    name: "listen-client-urls",
    def: "http://localhost:2379,http://localhost:4001",
    help: "where clients connect; the grpc-proxy listens on the first (the others are ignored)",
    apply: (c, v, f) => {
      const urls = v.split(",").map((u) => u.trim()).filter((u) => u !== "");
      const { listenAddr, ignored } = listenAddrOf(urls, f);
      c.listenClientUrls = urls;
      c.listenAddr = listenAddr;
      c.ignoredListenUrls = ignored;
    },
  },
  {
    name: "data-dir",
    def: "default.proxy",
    help: "the grpc-proxy's data directory",
    apply: (c, v, f) => {
      if (v.trim() === "") throw badValue(f, v, "a directory");
      c.dataDir = v;
    },
  },
  {
    name: "poll-interval",
    def: "5s",
    help: "time between membership polls (at least 1s; doubles up to 1m while polls fail)",
    apply: (c, v, f) => {
      const ms = parseDuration(f, v);
      if (ms < 1000) throw badValue(f, v, "a duration of at least 1s");
      c.pollIntervalMs = ms;
    },
  },
  {
    name: "tls",
    def: "false",
    env: ["TLS"],
    bool: true,
    help:
      "the cluster runs with --tls: get a certificate from the scheduler (needs --scheduler-url and --admin-token-file), reach members over https and serve clients over TLS",
    apply: (c, v, f) => c.tls = parseBool(f, v),
  },
  {
    name: "admin-token-file",
    def: "",
    env: ["ADMIN_TOKEN_FILE"],
    help: "file holding the scheduler's admin token (POST /certificates/proxy)",
    apply: (c, v, f) => {
      if (v.trim() === "") throw badValue(f, v, "a file path");
      c.adminTokenFile = v;
    },
  },
  {
    name: "tls-dir",
    def: "<data-dir>/tls",
    help: "where the proxy keeps its key and certificates",
    apply: (c, v, f) => {
      if (v.trim() === "") throw badValue(f, v, "a directory");
      c.tlsDir = v;
    },
  },
  ...loggingFlagSpecs<ProxyConfig>(),
];

const BY_NAME = new Map(PROXY_SPECS.map((s) => [s.name, s]));
const ALIASES: Record<string, string> = { h: "help" };

function defaults(): ProxyConfig {
  return {
    help: false,
    master: "127.0.0.1:5050",
    frameworkName: "etcd",
    etcdBin: "etcd",
    listenClientUrls: ["http://localhost:2379", "http://localhost:4001"],
    listenAddr: "localhost:2379",
    ignoredListenUrls: ["http://localhost:4001"],
    dataDir: "default.proxy",
    pollIntervalMs: 5000,
    tls: false,
    verbosity: 0,
    logJson: false,
  };
}

/**
 * Parses command-line `args` with `env` as fallback (flags win): Go-style `-flag=value` as
 * well as `--flag value`.
 *
 * @throws {ConfigError} naming the flag (or variable) and the bad value, or an unknown flag.
 */
export function parseProxyConfig(args: readonly string[], env: Env): ProxyConfig {
  const c = defaults();
  const canonical = (n: string) => ALIASES[n] ?? n;
  const tokens = tokenize(
    args,
    (n) => BY_NAME.has(canonical(n)),
    (n) => BY_NAME.get(canonical(n))?.bool === true,
  );
  for (const spec of PROXY_SPECS) {
    const name = spec.env?.find((e) => env[e] !== undefined && env[e] !== "");
    if (name !== undefined) spec.apply(c, env[name]!, name);
  }
  for (const t of tokens) BY_NAME.get(canonical(t.name))!.apply(c, t.value ?? "true", t.written);
  if (c.help) return c;
  const https = c.listenClientUrls.find((u) => u.startsWith("https:"));
  if (!c.tls && https !== undefined) {
    throw badValue("--listen-client-urls", https, "http://host:port (https:// needs --tls)");
  }
  if (c.tls && (c.schedulerUrls === undefined || c.adminTokenFile === undefined)) {
    const missing = c.schedulerUrls === undefined ? "--scheduler-url" : "--admin-token-file";
    throw new ConfigError(
      missing,
      undefined,
      `Missing ${missing}: with --tls the proxy gets its certificate from the scheduler`,
    );
  }
  return c;
}

/** The `--help` text. */
export function proxyUsage(program = "etcd-mesos-proxy"): string {
  const lines = [
    `Usage: ${program} [flags]`,
    "",
    "Finds the running members of an etcd-mesos cluster (the scheduler's /members with",
    "--scheduler-url, else the Mesos master's task list) and runs `etcd grpc-proxy` for local",
    "clients, restarting it when members are replaced. Flags take -flag=value, --flag=value or",
    "--flag value. Environment variables (in brackets) are fallbacks.",
    "",
  ];
  for (const s of PROXY_SPECS) {
    const env = s.env ? ` [${s.env.join(" or ")}]` : "";
    const def = s.def === "" ? "" : ` (default ${s.def})`;
    lines.push(`  --${s.name}${s.bool ? "" : "=..."}`, `      ${s.help}${def}${env}`);
  }
  return lines.join("\n") + "\n";
}
