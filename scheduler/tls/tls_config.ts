/**
 * The scheduler's TLS flags: `--tls` (mutual TLS for etcd clients and peers), where the CA
 * comes from (`--tls-ca-cert`/`--tls-ca-key`, `--tls-dir` when ephemeral, else ZooKeeper
 * behind a digest ACL with `--tls-zk-auth-file` or the credentials of
 * `--zk-framework-persist`), `--tls-cert-validity` and `--admin-tls`.
 *
 * @module
 */
import { badValue, ConfigError, type FlagSpec, parseBool, parseDuration } from "../../lib/flags.ts";

/** What the TLS flags say. Durations in milliseconds. */
export interface TlsConfig {
  /** `--tls`: mutual TLS for clients and peers. */
  enabled: boolean;
  /** `--tls-ca-cert`: the operator's CA certificate (PEM). */
  caCertFile?: string;
  /** `--tls-ca-key`: its PKCS#8 PEM ECDSA P-256 private key. */
  caKeyFile?: string;
  /** `--tls-cert-validity`: validity of member and scheduler certificates. */
  certValidityMs: number;
  /** `--tls-dir`: where an ephemeral framework keeps its generated CA. */
  dir: string;
  /** `--tls-zk-auth-file`: `user:password` of the ZooKeeper digest identity owning the CA node. */
  zkAuthFile?: string;
  /** `--admin-tls`: serve the admin API over https with a certificate of the CA. */
  adminTls: boolean;
}

/** The defaults: TLS off, 30-day certificates, `./tls`. */
export function defaultTlsConfig(): TlsConfig {
  return { enabled: false, certValidityMs: 30 * 86_400_000, dir: "./tls", adminTls: false };
}

/** `30d`, `12h`, `90m`, `45s` (or any duration `--health-interval` takes). */
function validity(flag: string, value: string): number {
  const days = /^([0-9]+)d$/.exec(value.trim());
  const ms = days ? Number(days[1]) * 86_400_000 : parseDuration(flag, value);
  if (!(ms >= 10_000)) throw badValue(flag, value, "a duration of at least 10s, e.g. 30d or 12h");
  return ms;
}

function path(flag: string, value: string): string {
  if (value.trim() === "") throw badValue(flag, value, "a file path");
  return value;
}

/** The flag specs, in `--help` order. */
export function tlsFlagSpecs<C extends { tls: TlsConfig }>(): FlagSpec<C>[] {
  return [
    {
      name: "tls",
      def: "false",
      env: ["TLS"],
      bool: true,
      help:
        "mutual TLS for etcd clients and peers: the framework's CA signs every member's certificate",
      apply: (c, v, f) => c.tls.enabled = parseBool(f, v),
    },
    {
      name: "tls-ca-cert",
      def: "(generated)",
      env: ["TLS_CA_CERT"],
      help:
        "the operator's CA certificate (PEM), with --tls-ca-key; default a CA made on first start",
      apply: (c, v, f) => c.tls.caCertFile = path(f, v),
    },
    {
      name: "tls-ca-key",
      def: "",
      env: ["TLS_CA_KEY"],
      help: "the operator's CA private key (PKCS#8 PEM, ECDSA P-256)",
      apply: (c, v, f) => c.tls.caKeyFile = path(f, v),
    },
    {
      name: "tls-cert-validity",
      def: "30d",
      env: ["TLS_CERT_VALIDITY"],
      help: "validity of member certificates (renewed at 2/3 of it), e.g. 30d or 12h",
      apply: (c, v, f) => c.tls.certValidityMs = validity(f, v),
    },
    {
      name: "tls-dir",
      def: "./tls",
      help: "where an --ephemeral framework keeps its generated CA (ca.pem, ca-key.pem)",
      apply: (c, v, f) => c.tls.dir = path(f, v),
    },
    {
      name: "tls-zk-auth-file",
      def: "(credentials of --zk-framework-persist)",
      env: ["TLS_ZK_AUTH_FILE"],
      help:
        "file holding user:password, the ZooKeeper digest identity that alone may read the CA node",
      apply: (c, v, f) => c.tls.zkAuthFile = path(f, v),
    },
    {
      name: "admin-tls",
      def: "false",
      env: ["ADMIN_TLS"],
      bool: true,
      help: "serve the admin API over https with a certificate of the framework's CA (needs --tls)",
      apply: (c, v, f) => c.tls.adminTls = parseBool(f, v),
    },
  ];
}

/**
 * Checks the TLS flags together.
 *
 * @throws {ConfigError} naming the flag that needs another.
 */
export function settleTlsConfig(t: TlsConfig): void {
  if ((t.caCertFile === undefined) !== (t.caKeyFile === undefined)) {
    const missing = t.caCertFile === undefined ? "--tls-ca-cert" : "--tls-ca-key";
    throw new ConfigError(
      missing,
      undefined,
      `Missing ${missing}: the CA's certificate and key go together`,
    );
  }
  if (!t.enabled) {
    const given = t.adminTls
      ? "--admin-tls"
      : t.caCertFile !== undefined
      ? "--tls-ca-cert"
      : undefined;
    if (given !== undefined) {
      throw new ConfigError(given, "true", `${given} needs --tls`);
    }
  }
}
