/**
 * etcd-mesos-proxy: finds the running members of an etcd-mesos cluster and runs
 * `etcd grpc-proxy` on `--listen-client-urls` for local clients, restarting it when members
 * are replaced (the original computed its configuration once and never refreshed it).
 *
 * Exit codes: 0 after SIGINT/SIGTERM, 1 when the framework is not registered or the proxy
 * cannot go on, 2 for bad flags or a missing etcd.
 *
 * @module
 */
import { createLogger, levelFromVerbosity, type Logger } from "../lib/log.ts";
import { createMasterDetector, type MasterDetector } from "../lib/mesos/master_detector.ts";
import { parseProxyConfig, type ProxyConfig, proxyUsage } from "./config.ts";
import { ProxyFollower } from "./follower.ts";
import { GrpcProxyProcess, resolveEtcd } from "./grpc_proxy.ts";
import { ProxyCertificate } from "./certificate.ts";
import { systemClock } from "../lib/clock.ts";
import {
  FrameworkNotFoundError,
  masterSource,
  type MemberSource,
  schedulerSource,
} from "./sources.ts";

/** Injection points of {@linkcode runProxy}. */
export interface RunProxyOptions {
  /** Default: a logger from `-v` / `--log-json` writing to stderr. */
  logger?: Logger;
  /** Writes `--help`; default stdout. */
  writeOut?: (text: string) => void;
  /** Writes fatal one-line errors; default stderr. */
  writeErr?: (line: string) => void;
  /** Aborting it stops the proxy like SIGTERM; signals are handled as well. */
  signal?: AbortSignal;
}

const PROGRAM = "etcd-mesos-proxy";
const encoder = new TextEncoder();

function write(stream: { writeSync(b: Uint8Array): number }, text: string): void {
  let bytes = encoder.encode(text);
  try {
    while (bytes.length > 0) bytes = bytes.subarray(stream.writeSync(bytes));
  } catch {
    // the stream is gone
  }
}

/** Runs the proxy; resolves with the process exit code. */
export async function runProxy(
  args: readonly string[],
  env: Record<string, string | undefined>,
  options: RunProxyOptions = {},
): Promise<number> {
  const writeErr = options.writeErr ?? ((line: string) => write(Deno.stderr, line + "\n"));
  let config: ProxyConfig;
  let etcd: { path: string; version: string };
  try {
    config = parseProxyConfig(args, env);
    if (config.help) {
      (options.writeOut ?? ((t: string) => write(Deno.stdout, t)))(proxyUsage(PROGRAM));
      return 0;
    }
    etcd = await resolveEtcd(config.etcdBin, env);
  } catch (e) {
    writeErr(`${PROGRAM}: ${(e as Error).message}`);
    writeErr(`Run ${PROGRAM} --help for the flags.`);
    return 2;
  }
  const log = options.logger ??
    createLogger({ level: levelFromVerbosity(config.verbosity), json: config.logJson });
  const stopping = new AbortController();
  const onSignal = () => stopping.abort(new Error("received a termination signal"));
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  options.signal?.addEventListener("abort", onSignal, { once: true });
  let detector: MasterDetector | undefined;
  let certificate: ProxyCertificate | undefined;
  try {
    if (config.tls) {
      const token = (await Deno.readTextFile(config.adminTokenFile!)).trim();
      const host = config.listenAddr.slice(0, config.listenAddr.lastIndexOf(":"))
        .replace(/^\[|\]$/g, "");
      const isIp = /^[0-9.]+$|:/.test(host);
      certificate = new ProxyCertificate({
        schedulerUrls: config.schedulerUrls!,
        token,
        dir: config.tlsDir ?? `${config.dataDir}/tls`,
        dnsNames: [...new Set(["localhost", ...(isIp || host === "" ? [] : [host])])],
        ips: [...new Set(["127.0.0.1", ...(isIp && host !== "0.0.0.0" ? [host] : [])])],
        clock: systemClock,
        logger: log,
      });
      await certificate.obtain();
    }
    let source: MemberSource;
    if (config.schedulerUrls !== undefined) {
      source = schedulerSource(config.schedulerUrls, { logger: log });
    } else {
      detector = createMasterDetector(config.master, { logger: log });
      source = masterSource(detector, config.frameworkName, { logger: log });
    }
    log.info("etcd-mesos proxy starting", {
      framework: config.frameworkName,
      source: config.schedulerUrls?.join(",") ?? config.master,
      listen: config.listenAddr,
      etcd: etcd.path,
      etcdVersion: etcd.version,
    });
    if (config.ignoredListenUrls.length > 0) {
      log.warn("etcd grpc-proxy listens on one address; ignoring the other --listen-client-urls", {
        listen: config.listenAddr,
        ignored: config.ignoredListenUrls.join(","),
      });
    }
    const proxy = new GrpcProxyProcess({
      etcdPath: etcd.path,
      listenAddr: config.listenAddr,
      dataDir: config.dataDir,
      logger: log,
      ...(certificate ? { tls: certificate.paths } : {}),
    });
    const follower = new ProxyFollower({
      source,
      proxy,
      pollIntervalMs: config.pollIntervalMs,
      logger: log,
    });
    await follower.run(stopping.signal);
    log.info("proxy stopped");
    return 0;
  } catch (error) {
    if (error instanceof FrameworkNotFoundError) {
      writeErr(`${PROGRAM}: ${error.message}`);
      return 1;
    }
    log.error("proxy failed", { error });
    return 1;
  } finally {
    certificate?.stop();
    await detector?.close();
    for (const s of signals) Deno.removeSignalListener(s, onSignal);
    options.signal?.removeEventListener("abort", onSignal);
  }
}

if (import.meta.main) {
  Deno.exit(await runProxy(Deno.args, Deno.env.toObject()));
}
