/**
 * etcd-mesos-executor: the process the Mesos agent starts for an etcd task. Wires the
 * executor API client, the etcd process and the health wait to {@linkcode EtcdExecutor}.
 *
 * @module
 */
import { restoreSnapshotInto } from "./snapshot_restore.ts";
import { findEtcdctl } from "../lib/backup/etcdctl.ts";
import { walPresent } from "./wal.ts";
import { downloadEtcd } from "./etcd_download.ts";
import { createLogger, levelFromVerbosity, type Logger } from "../lib/log.ts";
import { createExecutorClient, type ExecutorClient } from "../lib/mesos/executor_client.ts";
import type { TaskStatus } from "../lib/mesos/types.ts";
import { EXECUTOR_USAGE, parseExecutorConfig, resolveEtcdBin } from "./config.ts";
import { killEtcdsOnExit, spawnEtcd } from "./etcd_process.ts";
import { EtcdExecutor } from "./executor.ts";
import { waitForEtcdHealthy } from "./health_wait.ts";
import { systemClock } from "../lib/clock.ts";
import { identityFetch } from "../lib/tls/identity_fetch.ts";
import { tlsPaths } from "../lib/tls/files.ts";

/** Injection points of {@linkcode runExecutor} (tests may pass a logger). */
export interface RunExecutorOptions {
  logger?: Logger;
  /** Writes a line to stderr (usage and flag errors, etcd's stderr). */
  writeErr?: (line: string) => void;
  /** Longest wait for the agent to acknowledge the final updates; default 10 s. */
  drainTimeoutMs?: number;
}

const encoder = new TextEncoder();

function stderrLine(line: string): void {
  let bytes = encoder.encode(line + "\n");
  try {
    while (bytes.length > 0) bytes = bytes.subarray(Deno.stderr.writeSync(bytes));
  } catch {
    // stderr is gone; nothing left to report to.
  }
}

function isExecutable(path: string): boolean {
  try {
    const info = Deno.statSync(path);
    return info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** The sandbox, then its subdirectories (an extracted etcd release), sorted. */
function sandboxDirs(sandbox: string): string[] {
  const subdirs: string[] = [];
  try {
    for (const e of Deno.readDirSync(sandbox)) {
      if (e.isDirectory && !e.name.startsWith(".") && e.name !== "etcd_data") {
        subdirs.push(`${sandbox}/${e.name}`);
      }
    }
  } catch {
    // An unreadable sandbox: fall back to the other places.
  }
  return [sandbox, ...subdirs.sort()];
}

function ownDir(): string | undefined {
  const url = new URL(".", import.meta.url);
  return url.protocol === "file:" ? decodeURIComponent(url.pathname) : undefined;
}

/**
 * Runs the executor until its task is done (or the agent is gone) and returns the exit
 * code: 0 after a terminal update, 1 when it gave up on the agent, 2 for bad flags or
 * environment.
 */
export async function runExecutor(
  args: readonly string[],
  env: Record<string, string | undefined>,
  options: RunExecutorOptions = {},
): Promise<number> {
  const writeErr = options.writeErr ?? stderrLine;
  let config;
  try {
    config = parseExecutorConfig(args, env);
  } catch (err) {
    writeErr(`etcd-mesos-executor: ${(err as Error).message}`);
    return 2;
  }
  if (config === "help") {
    writeErr(EXECUTOR_USAGE);
    return 0;
  }
  const log = options.logger ??
    createLogger({ level: levelFromVerbosity(config.verbosity), json: config.logJson });
  let client: ExecutorClient;
  try {
    client = createExecutorClient({ env, encoding: config.encoding, logger: log });
  } catch (err) {
    writeErr(`etcd-mesos-executor: ${(err as Error).message}`);
    return 2;
  }
  const sandbox = client.env.sandbox;
  const searchDirs = [...sandboxDirs(sandbox), ownDir()].filter((d): d is string => !!d);
  const etcdBin = resolveEtcdBin(config.etcdBin, searchDirs, isExecutable);
  log.info("executor starting", { executorId: client.env.executorId, etcdBin, sandbox });

  // Updates and messages leave in the order the executor made them.
  let outbox: Promise<unknown> = Promise.resolve();
  const enqueue = (what: string, send: () => Promise<unknown>) => {
    outbox = outbox.then(send).catch((err) => log.error(`sending ${what} failed`, { err }));
  };
  const executor = new EtcdExecutor({
    sendUpdate: (status) => enqueue("status update", () => client.update(status as TaskStatus)),
    sendMessage: (data) => enqueue("message", () => client.message(data)),
    spawn: (etcdArgs, bin) =>
      spawnEtcd(bin ?? etcdBin, etcdArgs, { cwd: sandbox, onStderrLine: writeErr }),
    downloadEtcd: (uri) => downloadEtcd(uri, sandbox),
    waitHealthy: (url, signal) =>
      waitForEtcdHealthy(url, {
        signal,
        // With TLS, /health needs the member's own certificate (see member_certificate.ts).
        ...(url.startsWith("https:") ? { fetch: identityFetch(tlsPaths(`${sandbox}/tls`)) } : {}),
        onProbe: (p) => log.debug("etcd not healthy yet", { url, detail: p.detail }),
      }),
    clock: systemClock,
    logger: log,
    hasWal: walPresent,
    restoreSnapshot: (job) =>
      restoreSnapshotInto(job, {
        workDir: sandbox,
        etcdctl: findEtcdctl(env.ETCDCTL_BIN, etcdBin),
        logger: log,
      }),
  }, {
    sandbox,
    launchTimeoutMs: config.launchTimeoutMs,
    killGraceMs: config.killGraceMs,
    shutdownGraceMs: client.env.shutdownGracePeriodMs,
    extraEtcdArgs: config.etcdArgs,
  });

  const onSignal = () => void executor.abort("received a termination signal");
  const signals: Deno.Signal[] = ["SIGTERM", "SIGINT", "SIGHUP"];
  for (const s of signals) Deno.addSignalListener(s, onSignal);

  const pump = (async () => {
    try {
      for await (const notice of client) {
        if (notice.type === "connected") {
          executor.handle({ type: "SUBSCRIBED", subscribed: notice.subscribed });
        } else if (notice.type === "event") {
          executor.handle(notice.event);
        } else if (!notice.willRetry) {
          await executor.abort(`agent connection lost: ${notice.reason}`);
        }
      }
    } catch (err) {
      await executor.abort(`agent connection lost: ${(err as Error).message}`);
    }
  })();

  const outcome = await executor.finished;
  await outbox;
  await drain(client, options.drainTimeoutMs ?? 10_000);
  for (const s of signals) Deno.removeSignalListener(s, onSignal);
  await client.close();
  await pump;
  log.info("executor exiting", { code: outcome.code, reason: outcome.reason });
  return outcome.code;
}

/** Waits until the agent has acknowledged every update, or the connection is gone. */
async function drain(client: ExecutorClient, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (client.unacknowledgedUpdates.length > 0 && client.connected && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
}

if (import.meta.main) {
  // Whatever ends this process (a crash included), its etcd does not outlive it.
  killEtcdsOnExit((pids, event) =>
    stderrLine(`etcd-mesos-executor: exiting (${event}); SIGKILL etcd pid ${pids.join(",")}`)
  );
  Deno.exit(await runExecutor(Deno.args, Deno.env.toObject()));
}
