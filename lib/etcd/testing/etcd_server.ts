/**
 * Test harness: a real single-member etcd 3.4 (`/usr/bin/etcd`) on free
 * loopback ports, plain or with mutual TLS.
 *
 * @module
 */
import type { TlsMaterial, TlsPaths } from "../../tls/files.ts";
import { until } from "../../until.ts";
import { freePort } from "../../free_ports.ts";

/** Options for {@linkcode startEtcd}. */
export interface EtcdOptions {
  /** Member name; default `"etcd0"`. */
  name?: string;
  /** Working directory (its data goes in `<dir>/data`); default: a new temp dir, removed on stop. */
  dir?: string;
  /** Milliseconds to wait for `/health`; default 30000. */
  startTimeoutMs?: number;
  /** The etcd binary; default `/usr/bin/etcd`. */
  binary?: string;
  /** Extra etcd flags, e.g. `["--quota-backend-bytes=1048576"]`. */
  args?: readonly string[];
  /**
   * Mutual TLS for clients and peers with these files (`https://` URLs, client
   * certificates required); `client` is the identity the health check uses.
   */
  tls?: { server: TlsPaths; client: TlsMaterial };
}

/** A running etcd started by {@linkcode startEtcd}. */
export interface EtcdServer {
  name: string;
  /** e.g. `http://127.0.0.1:41234` */
  clientUrl: string;
  /** e.g. `http://127.0.0.1:41235` */
  peerUrl: string;
  dir: string;
  /** Kills etcd and waits for it to exit; removes the temp dir it created. Idempotent. */
  stop(): Promise<void>;
}

/** etcd did not become healthy; `output` is the tail of what it printed. */
export class EtcdStartError extends Error {
  readonly output: string;
  constructor(message: string, output: string) {
    super(`${message}\n--- etcd output ---\n${output}`);
    this.name = "EtcdStartError";
    this.output = output;
  }
}

const OUTPUT_TAIL = 16_384;

async function healthy(clientUrl: string, tls?: TlsMaterial): Promise<boolean> {
  const client = tls
    ? Deno.createHttpClient({ caCerts: [tls.caPem], cert: tls.certPem, key: tls.keyPem })
    : undefined;
  try {
    const res = await fetch(`${clientUrl}/health`, {
      signal: AbortSignal.timeout(1000),
      ...(client ? { client } : {}),
    });
    const body = await res.text();
    return res.ok && JSON.parse(body).health === "true";
  } catch {
    return false;
  } finally {
    client?.close();
  }
}

/**
 * Starts a one-member etcd cluster and resolves once `GET /health` reports
 * healthy.
 *
 * @example
 * ```ts
 * const etcd = await startEtcd();
 * try { await fetch(`${etcd.clientUrl}/version`); } finally { await etcd.stop(); }
 * ```
 */
export async function startEtcd(options: EtcdOptions = {}): Promise<EtcdServer> {
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? await Deno.makeTempDir({ prefix: "etcd-test-" });
  for (let attempt = 1;; attempt++) {
    try {
      const etcd = await startOnFreePorts(options, dir);
      const stop = async () => {
        await etcd.stop();
        if (ownDir) await Deno.remove(dir, { recursive: true }).catch(() => {});
      };
      return { ...etcd, stop };
    } catch (e) {
      // A free port can be taken by a parallel test between our probe and etcd's bind.
      const raced = e instanceof EtcdStartError && /address already in use/.test(e.output);
      if (raced && attempt < PORT_RACE_ATTEMPTS) {
        await Deno.remove(`${dir}/data`, { recursive: true }).catch(() => {});
        continue;
      }
      if (ownDir) await Deno.remove(dir, { recursive: true }).catch(() => {});
      throw e;
    }
  }
}

/** Starts before a port taken meanwhile counts as a failure. */
const PORT_RACE_ATTEMPTS = 3;

async function startOnFreePorts(options: EtcdOptions, dir: string): Promise<EtcdServer> {
  const name = options.name ?? "etcd0";
  const scheme = options.tls ? "https" : "http";
  const clientUrl = `${scheme}://127.0.0.1:${freePort()}`;
  const peerUrl = `${scheme}://127.0.0.1:${freePort()}`;
  const server = options.tls?.server;
  const tlsArgs = server
    ? [
      `--cert-file=${server.certFile}`,
      `--key-file=${server.keyFile}`,
      `--trusted-ca-file=${server.caFile}`,
      "--client-cert-auth=true",
      `--peer-cert-file=${server.certFile}`,
      `--peer-key-file=${server.keyFile}`,
      `--peer-trusted-ca-file=${server.caFile}`,
      "--peer-client-cert-auth=true",
    ]
    : [];
  const timeoutMs = options.startTimeoutMs ?? 30_000;

  const child = new Deno.Command(options.binary ?? "/usr/bin/etcd", {
    args: [
      `--name=${name}`,
      `--data-dir=${dir}/data`,
      `--listen-client-urls=${clientUrl}`,
      `--advertise-client-urls=${clientUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=${name}=${peerUrl}`,
      "--initial-cluster-state=new",
      `--initial-cluster-token=test-${crypto.randomUUID()}`,
      "--logger=zap",
      "--log-outputs=stderr",
      "--log-level=warn",
      ...tlsArgs,
      ...(options.args ?? []),
    ],
    cwd: dir,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let tail = "";
  const drained = child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({
      write(chunk) {
        tail = (tail + chunk).slice(-OUTPUT_TAIL);
      },
    }),
  ).catch(() => {});
  let exited = false;
  child.status.then(() => exited = true);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try {
      child.kill("SIGKILL");
    } catch {
      // already exited
    }
    await child.status;
    await drained;
  };

  const up = await until(async () => {
    if (exited) throw new Error("exited");
    return await healthy(clientUrl, options.tls?.client);
  }, { timeoutMs, what: `etcd ${name} healthy`, intervalMs: 100, stopOn: () => exited })
    .catch(() => false);
  if (!up) {
    await stop();
    const why = exited ? "exited during start" : `not healthy after ${timeoutMs} ms`;
    throw new EtcdStartError(`etcd ${JSON.stringify(name)} on ${clientUrl} ${why}`, tail);
  }
  return { name, clientUrl, peerUrl, dir, stop };
}
