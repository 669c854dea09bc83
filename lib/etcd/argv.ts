/**
 * Builds the etcd command line for one member from the configuration the scheduler chose.
 * Pure: no I/O, no environment reads. The executor passes the result to `Deno.Command`.
 *
 * @module
 */

/**
 * The member fields the command line needs. `contract/member_config.ts`' `MemberConfig`
 * satisfies this shape; it is restated here so `lib/` does not depend on the programs' contract.
 */
export interface EtcdMemberArgs {
  /** etcd member name, e.g. `etcd-3`. */
  name: string;
  /** The address etcd advertises to peers and clients (the agent's host). */
  host: string;
  /** Peer (raft) port. */
  peerPort: number;
  /** Client port. */
  clientPort: number;
  /** `--initial-cluster` value: `n1=http://h:p,n2=http://h:p`, including this member. */
  initialCluster: string;
  /** `--initial-cluster-state`. */
  clusterState: "new" | "existing";
  /** `--initial-cluster-token`. */
  clusterToken: string;
}

/** Options of {@linkcode etcdArgv}. */
export interface EtcdArgvOptions {
  /** The member's data directory (inside the sandbox). */
  dataDir: string;
  /**
   * The address etcd binds its peer and client listeners to; default `config.host`. Use
   * `0.0.0.0` when `host` is a name rather than an address of this machine.
   */
  listenHost?: string;
  /**
   * Restart as a one-member cluster from the existing data (`--force-new-cluster`), for a
   * reseed after quorum loss. etcd ignores the `--initial-*` flags when the data dir exists.
   */
  forceNewCluster?: boolean;
  /** Extra flags appended verbatim (e.g. `--log-level=debug`). */
  extraArgs?: readonly string[];
  /**
   * Mutual TLS for clients and peers: `https://` URLs, the member's certificate and key for
   * both, the CA to verify the other side with, and client certificates required on both.
   */
  tls?: EtcdTlsFiles;
}

/** The files of a member's TLS identity. */
export interface EtcdTlsFiles {
  /** The member's certificate (serverAuth and clientAuth). */
  certFile: string;
  /** Its private key. */
  keyFile: string;
  /** The CA that signs every member and client certificate. */
  caFile: string;
}

/** `http://host:port` (`https://` with `tls`), bracketing IPv6 literals. */
export function httpUrl(host: string, port: number, tls = false): string {
  const h = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return `${tls ? "https" : "http"}://${h}:${port}`;
}

function checkPort(what: string, port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RangeError(`Cannot build etcd flags: ${what} ${port} is not a port 1..65535`);
  }
}

function checkText(what: string, value: string): void {
  if (typeof value !== "string" || value === "" || /[\s\0]/.test(value)) {
    throw new TypeError(
      `Cannot build etcd flags: ${what} ${JSON.stringify(value)} must be non-empty without spaces`,
    );
  }
}

/**
 * Returns etcd's arguments (without the binary) for `config`: name, data dir, listen and
 * advertise URLs for peers and clients, initial cluster, state and token,
 * `--strict-reconfig-check=true`, zap logging to stderr, and `--force-new-cluster=true`
 * when asked. With `tls`: `https://` URLs, `--cert-file`, `--key-file`, `--trusted-ca-file`,
 * `--client-cert-auth` and their `--peer-*` equivalents (never `--auto-tls`).
 *
 * @example
 * ```ts
 * const args = etcdArgv(config, { dataDir: `${sandbox}/etcd_data` });
 * new Deno.Command("etcd", { args });
 * ```
 * @throws {RangeError} naming a port outside 1..65535.
 * @throws {TypeError} naming an empty or space-containing name, host, token, cluster or dir.
 */
export function etcdArgv(config: EtcdMemberArgs, options: EtcdArgvOptions): string[] {
  checkText("name", config.name);
  checkText("host", config.host);
  checkText("initial cluster", config.initialCluster);
  checkText("cluster token", config.clusterToken);
  checkText("data dir", options.dataDir);
  checkPort("peer port", config.peerPort);
  checkPort("client port", config.clientPort);
  if (config.clusterState !== "new" && config.clusterState !== "existing") {
    throw new TypeError(
      `Cannot build etcd flags: cluster state ${
        JSON.stringify(config.clusterState)
      } must be "new" or "existing"`,
    );
  }
  const listenHost = options.listenHost ?? config.host;
  checkText("listen host", listenHost);
  const tls = options.tls;
  if (tls) {
    checkText("TLS certificate file", tls.certFile);
    checkText("TLS key file", tls.keyFile);
    checkText("TLS CA file", tls.caFile);
  }
  const url = (host: string, port: number) => httpUrl(host, port, tls !== undefined);
  const args = [
    `--name=${config.name}`,
    `--data-dir=${options.dataDir}`,
    `--listen-peer-urls=${url(listenHost, config.peerPort)}`,
    `--initial-advertise-peer-urls=${url(config.host, config.peerPort)}`,
    `--listen-client-urls=${url(listenHost, config.clientPort)}`,
    `--advertise-client-urls=${url(config.host, config.clientPort)}`,
    `--initial-cluster=${config.initialCluster}`,
    `--initial-cluster-state=${config.clusterState}`,
    `--initial-cluster-token=${config.clusterToken}`,
    "--strict-reconfig-check=true",
    "--logger=zap",
    "--log-outputs=stderr",
  ];
  if (tls) {
    args.push(
      `--cert-file=${tls.certFile}`,
      `--key-file=${tls.keyFile}`,
      `--trusted-ca-file=${tls.caFile}`,
      "--client-cert-auth=true",
      `--peer-cert-file=${tls.certFile}`,
      `--peer-key-file=${tls.keyFile}`,
      `--peer-trusted-ca-file=${tls.caFile}`,
      "--peer-client-cert-auth=true",
    );
  }
  if (options.forceNewCluster) args.push("--force-new-cluster=true");
  if (options.extraArgs) args.push(...options.extraArgs);
  return args;
}
