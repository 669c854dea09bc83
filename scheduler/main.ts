/**
 * etcd-mesos-scheduler: flags, then wiring — the admin API, the leader lock and the framework
 * id in ZooKeeper, the master detector, the scheduler client, the artifact server and the
 * shell around the decision core — until SIGINT/SIGTERM (graceful: the framework stays
 * registered so a new scheduler can take over its tasks) or until the master ends the
 * framework (exit 1).
 *
 * Schedulers of one framework (same `--zk-framework-persist` and `--framework-name`) take a
 * leader lock in ZooKeeper; only the holder reads the framework id and subscribes, the others
 * stand by (their `/healthz` says `standby: leader is <host:admin-port>`) and take over within
 * seconds when the holder dies. While ZooKeeper is unreachable at start, the scheduler waits
 * (it cannot know its framework id, and registering a new framework could orphan running
 * members); once running, it keeps running without ZooKeeper and retries persistence. A
 * leader that finds the lock held by another scheduler after its ZooKeeper session expired
 * exits 1 (a supervisor restarts it as a standby).
 *
 * Exit codes: 0 after a signal, 1 when the framework cannot go on, 2 for bad flags or files.
 *
 * @module
 */
import { createEtcdAdminClient } from "../lib/etcd/admin_client.ts";
import { createLogger, levelFromVerbosity, type Logger } from "../lib/log.ts";
import { teardown } from "../lib/mesos/calls.ts";
import {
  FrameworkError,
  FrameworkRemovedError,
  MesosAuthenticationError,
} from "../lib/mesos/client_errors.ts";
import { createMasterDetector } from "../lib/mesos/master_detector.ts";
import { createSchedulerClient } from "../lib/mesos/scheduler_client.ts";
import {
  createFrameworkIdStore,
  FrameworkIdError,
  type FrameworkIdStore,
} from "../lib/zk/framework_id_store.ts";
import { createLeaderLock, type LeaderLock, LeaderLockClosedError } from "../lib/zk/leader_lock.ts";
import { createAdminHandler } from "./admin/handler.ts";
import { SchedulerHistory } from "./admin/history.ts";
import { type ArtifactServer, startArtifactServer } from "./artifact_server.ts";
import { type Config, coreOptionsOf, parseConfig, usage } from "./config.ts";
import { initialState } from "./core/state.ts";
import { statsOf } from "./core/views.ts";
import { executorCommand } from "../contract/executor_command.ts";
import { withDeadline } from "./prober.ts";
import {
  artifactBindAddress,
  type ArtifactPlan,
  artifactPlan,
  executorArgs,
} from "./artifact_plan.ts";
import { frameworkInfoOf } from "./framework_info.ts";
import { createSchedulerShell, type SchedulerShell } from "./shell.ts";

/** Injection points of {@linkcode runScheduler}. */
export interface RunSchedulerOptions {
  /** Default: a logger from `-v` / `--log-json` writing to stderr. */
  logger?: Logger;
  /** Writes `--help` text; default stdout. */
  writeOut?: (text: string) => void;
  /** Writes flag errors; default stderr. */
  writeErr?: (line: string) => void;
  /** Aborting it stops the scheduler like SIGTERM; signals are handled as well. */
  signal?: AbortSignal;
}

const encoder = new TextEncoder();
const PROGRAM = "etcd-mesos-scheduler";

function write(stream: { writeSync(b: Uint8Array): number }, text: string): void {
  let bytes = encoder.encode(text);
  try {
    while (bytes.length > 0) bytes = bytes.subarray(stream.writeSync(bytes));
  } catch {
    // the stream is gone
  }
}

/** Files read before anything starts (secrets, tokens, artifacts). */
interface Preflight {
  secret?: string;
  adminToken?: string;
  plan: ArtifactPlan;
}

async function readSecretFile(flag: string, path: string): Promise<string> {
  try {
    const text = (await Deno.readTextFile(path)).replace(/\r?\n$/, "");
    if (text === "") throw new Error("the file is empty");
    return text;
  } catch (e) {
    throw new TypeError(`Cannot read ${flag} ${JSON.stringify(path)}: ${(e as Error).message}`);
  }
}

async function preflight(c: Config): Promise<Preflight> {
  const secret = c.mesosAuthenticationSecretFile === undefined
    ? undefined
    : await readSecretFile("--mesos-authentication-secret-file", c.mesosAuthenticationSecretFile);
  const adminToken = c.adminToken ??
    (c.adminTokenFile === undefined
      ? undefined
      : await readSecretFile("--admin-token-file", c.adminTokenFile));
  const plan = artifactPlan(c);
  for (const f of plan.files) {
    const info = await Deno.stat(f.path).catch(() => undefined);
    if (!info?.isFile) {
      const flag = plan.flags[f.name];
      const hint = flag === "--etcd-bin"
        ? "point --etcd-bin at an etcd binary, or --etcd-uri elsewhere"
        : "build it with `deno task bundle` and pass --executor-bin=dist/etcd-mesos-executor.tar.gz, or point --executor-uri elsewhere";
      throw new TypeError(`Cannot serve ${flag} ${JSON.stringify(f.path)}: no such file (${hint})`);
    }
  }
  return { secret, adminToken, plan };
}

/** Runs the scheduler; resolves with the process exit code. */
export async function runScheduler(
  args: readonly string[],
  env: Record<string, string | undefined>,
  options: RunSchedulerOptions = {},
): Promise<number> {
  const writeErr = options.writeErr ?? ((line: string) => write(Deno.stderr, line + "\n"));
  let config: Config;
  let pre: Preflight;
  try {
    config = parseConfig(args, env);
    if (config.help) {
      (options.writeOut ?? ((t: string) => write(Deno.stdout, t)))(usage(PROGRAM));
      return 0;
    }
    pre = await preflight(config);
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
  const cleanup: (() => void | Promise<void>)[] = [];
  try {
    return await wire(config, pre, log, stopping.signal, cleanup);
  } catch (error) {
    log.error("scheduler failed", { error });
    return 1;
  } finally {
    for (const step of cleanup.reverse()) {
      try {
        await step();
      } catch (error) {
        log.warn("cleanup step failed", { error });
      }
    }
    for (const s of signals) Deno.removeSignalListener(s, onSignal);
    options.signal?.removeEventListener("abort", onSignal);
  }
}

async function loadFrameworkId(
  store: FrameworkIdStore,
  stop: AbortSignal,
  log: Logger,
): Promise<string | undefined | "stopped"> {
  const onStop = () => void store.close();
  stop.addEventListener("abort", onStop, { once: true });
  try {
    const id = await store.load();
    log.info(id ? "resuming framework" : "no framework id stored; registering a new framework", {
      frameworkId: id,
      node: store.node,
    });
    return id;
  } catch (error) {
    if (stop.aborted) return "stopped";
    throw error;
  } finally {
    stop.removeEventListener("abort", onStop);
  }
}

/**
 * Waits for the leader lock; false when stopped first. Meanwhile the admin API says who leads.
 */
async function acquireLock(lock: LeaderLock, stop: AbortSignal, log: Logger): Promise<boolean> {
  log.info("contending for the leader lock", { node: lock.node, id: lock.id });
  try {
    await lock.acquire(stop);
    return true;
  } catch (error) {
    if (stop.aborted || error instanceof LeaderLockClosedError) return false;
    throw error;
  }
}

async function wire(
  c: Config,
  pre: Preflight,
  log: Logger,
  stop: AbortSignal,
  cleanup: (() => void | Promise<void>)[],
): Promise<number> {
  const address = c.address ?? Deno.hostname();
  log.info("etcd-mesos scheduler starting", {
    framework: c.frameworkName,
    master: c.master,
    clusterSize: c.clusterSize,
    ephemeral: c.ephemeral,
    address,
  });

  // The admin API starts first: a standby answers it while another scheduler leads, and the
  // FrameworkInfo names its port. Until the shell exists it shows an empty cluster. `current`
  // is what the admin API reads: the running shell, or why this scheduler stands by.
  const current: { shell?: SchedulerShell; standby?: string } = {
    standby: c.ephemeral ? undefined : "waiting for the leader lock",
  };
  const idle = initialState(coreOptionsOf(c));
  const history = new SchedulerHistory();
  const admin = Deno.serve(
    {
      hostname: c.adminAddress,
      port: c.adminPort,
      onListen: ({ hostname, port }) => log.info("admin API listening", { hostname, port }),
    },
    createAdminHandler({
      stats: () => current.shell?.stats() ?? statsOf(idle),
      members: () => current.shell?.members() ?? [],
      health: () =>
        current.shell?.health() ??
          { healthy: false, reason: "not subscribed to Mesos yet", phase: "disconnected" },
      standby: () => current.standby,
      requestReseed: () =>
        current.shell?.requestReseed() ??
          { accepted: false, message: "the scheduler is not running yet" },
      history,
      token: pre.adminToken,
      frameworkName: c.frameworkName,
      logger: log,
    }),
  );
  cleanup.push(() => admin.shutdown());

  // Only the holder of the leader lock subscribes; the lock is released last, after the
  // subscription is closed. Losing it to another scheduler ends this one (exit 1).
  const steppedDown = new AbortController();
  let store: FrameworkIdStore | undefined;
  let frameworkId: string | undefined;
  if (!c.ephemeral) {
    const lock = createLeaderLock({
      zk: c.zkFrameworkPersist!,
      frameworkName: c.frameworkName,
      id: `${address}:${admin.addr.port}`,
      logger: log,
    });
    let leading = false;
    let releasing = false;
    let held = false;
    cleanup.push(() => {
      releasing = true;
      return lock.close();
    });
    lock.onChange((status) => {
      if (releasing) return;
      if (held && !status.held) history.leaderLockLost();
      held = status.held;
      if (!leading) {
        current.standby = status.held
          ? undefined
          : status.leader === undefined
          ? "leader unknown (ZooKeeper unreachable?)"
          : `leader is ${status.leader}`;
      } else if (!status.held && status.leader !== undefined && !steppedDown.signal.aborted) {
        log.error("another scheduler holds the leader lock now; stepping down", {
          leader: status.leader,
        });
        current.standby = `leader is ${status.leader}`;
        steppedDown.abort(new Error(`the leader lock went to ${status.leader}`));
      } else if (!status.held) {
        log.warn(
          "leader lock lost (ZooKeeper session expired or lock node deleted); still subscribed, " +
            "contending again",
        );
      }
    });
    if (!await acquireLock(lock, stop, log)) return 0;
    leading = true;
    current.standby = undefined;
    store = createFrameworkIdStore({
      zk: c.zkFrameworkPersist!,
      frameworkName: c.frameworkName,
      logger: log,
    });
    const opened = store;
    cleanup.push(() => opened.close());
    try {
      const loaded = await loadFrameworkId(store, stop, log);
      if (loaded === "stopped") return 0;
      frameworkId = loaded;
    } catch (error) {
      if (!(error instanceof FrameworkIdError)) throw error;
      log.error("cannot read the framework id", { error: error.message });
      return 1;
    }
    if (steppedDown.signal.aborted) return 1;
  }
  let artifacts: ArtifactServer | undefined;
  if (pre.plan.files.length > 0) {
    artifacts = await startArtifactServer({
      files: pre.plan.files,
      hostname: artifactBindAddress(address),
      port: c.artifactPort,
      advertise: address,
      logger: log,
    });
    cleanup.push(() => artifacts!.close());
  }
  const uris = pre.plan.uris((name) => artifacts!.url(name));
  const etcd = createEtcdAdminClient({ endpoints: [], logger: log.child({ component: "etcd" }) });
  cleanup.push(() => etcd.close());
  const detector = createMasterDetector(c.master, { logger: log });
  cleanup.push(() => detector.close());

  const frameworkInfo = frameworkInfoOf(c, {
    user: Deno.env.get("USER") ?? Deno.env.get("LOGNAME") ?? "root",
    address,
    adminPort: admin.addr.port,
  }, frameworkId);
  const client = createSchedulerClient({
    master: detector,
    frameworkInfo,
    encoding: c.encoding,
    credentials: c.mesosAuthenticationPrincipal
      ? { principal: c.mesosAuthenticationPrincipal, secret: pre.secret! }
      : undefined,
    logger: log,
  });
  cleanup.push(() => client.close());
  const shell = createSchedulerShell({
    client,
    etcd,
    executor: { command: executorCommand({ ...uris, args: executorArgs(c) }) },
    core: coreOptionsOf(c),
    persistFrameworkId: store ? (id) => store.save(id) : undefined,
    newFramework: frameworkId === undefined,
    onStep: (step) => history.observe(step),
    logger: log,
  });
  current.shell = shell;
  cleanup.push(() => shell.stop());
  log.info("executor artifacts", uris);

  const onStop = async () => {
    log.info("stopping", { reason: (stop.reason as Error)?.message });
    if (c.ephemeral && client.streamId !== undefined) {
      log.warn("ephemeral framework: tearing it down (its tasks are killed)");
      await withDeadline(client.call(teardown()), 5000, "TEARDOWN").catch((error) =>
        log.warn("TEARDOWN failed", { error })
      );
    }
    await client.close();
  };
  if (stop.aborted) await onStop();
  else stop.addEventListener("abort", () => void onStop(), { once: true });
  steppedDown.signal.addEventListener("abort", () => void client.close(), { once: true });
  try {
    await shell.run();
    if (steppedDown.signal.aborted) return 1;
    log.info("scheduler stopped");
    return 0;
  } catch (error) {
    if (error instanceof FrameworkRemovedError) {
      log.error(
        "Mesos has removed this framework (torn down, or its failover timeout expired): its " +
          "tasks are gone. Not registering a new framework by myself; to start a new cluster, " +
          `delete ZooKeeper node ${
            store?.node ?? "(none: ephemeral)"
          } or use another --framework-name`,
        { frameworkId: error.frameworkId, message: error.mesosMessage },
      );
      return 1;
    }
    if (error instanceof MesosAuthenticationError) {
      log.error(
        "Mesos refused to authenticate the scheduler: check --mesos-authentication-principal " +
          "and --mesos-authentication-secret-file",
        { principal: error.principal, master: error.url, status: error.status },
      );
      return 1;
    }
    if (error instanceof FrameworkError) {
      log.error("the master ended the framework's subscription", {
        frameworkId: error.frameworkId,
        message: error.mesosMessage,
      });
      return 1;
    }
    throw error;
  }
}

if (import.meta.main) {
  Deno.exit(await runScheduler(Deno.args, Deno.env.toObject()));
}
