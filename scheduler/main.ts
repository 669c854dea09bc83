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
import { createMasterDetector } from "../lib/mesos/master_detector.ts";
import { createSchedulerClient } from "../lib/mesos/scheduler_client.ts";
import { createAdminHandler } from "./admin/handler.ts";
import { createOperations } from "./operations.ts";
import { SchedulerHistory } from "./admin/history.ts";
import { type ArtifactServer, startArtifactServer } from "./artifact_server.ts";
import { type Config, coreOptionsOf, parseConfig, usage } from "./config.ts";
import { initialState } from "./core/state.ts";
import { statsOf, volumesOf } from "./core/views.ts";
import { executorCommand } from "../contract/executor_command.ts";
import { withDeadline } from "./prober.ts";
import { artifactBindAddress, executorArgs } from "./artifact_plan.ts";
import { frameworkInfoOf } from "./framework_info.ts";
import { createSchedulerShell, type SchedulerShell } from "./shell.ts";
import { describeEnding } from "./ending.ts";
import { lead } from "./leadership.ts";
import { createClusterSizeStore } from "./cluster_size_store.ts";
import { createRollingRestartStore } from "./rolling_restart_store.ts";
import { createVolumeStore } from "./volume_store.ts";
import { volumesOn } from "./volume_config.ts";
import { createBackups } from "./backup_wiring.ts";
import { type Preflight, preflight } from "./preflight.ts";
import { type SchedulerTls, setupTls } from "./tls/tls_setup.ts";
import { tlsSchemeAdmin } from "./tls/scheme.ts";
import { ZkConnectError } from "../lib/zk/errors.ts";
import { startEventLoopWatchdog } from "../lib/event_loop_watchdog.ts";

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
  // The audit trail, the probes' samples and etcd maintenance (`ops.recordEvent` is the hook
  // for decisions made outside the core).
  const ops = createOperations(c, { log });
  cleanup.push(() => ops.stop());
  const tls = c.tls.enabled ? await tlsOf(c, address, log, stop) : undefined;
  if (c.tls.enabled && tls === undefined) return 0; // stopped while waiting for ZooKeeper
  if (tls) cleanup.push(() => tls.stop());
  if (tls) ops.watchCertificates(tls.events);
  // Backups (`--backup-store`, `--restore-from`): the admin API serves them from the start.
  let artifacts: ArtifactServer | undefined;
  const backups = createBackups(c, {
    env: Deno.env.toObject(),
    log,
    artifactUrl: (name) => artifacts!.url(name),
    ...(tls ? { tls: () => tls.client.current() } : {}),
    ...(pre.backupKeys ? { keys: pre.backupKeys } : {}),
  });
  if (backups) cleanup.push(() => backups.stop());
  const admin = Deno.serve(
    {
      hostname: c.adminAddress,
      port: c.adminPort,
      ...(tls?.adminServe ?? {}),
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
      volumes: () => current.shell === undefined ? [] : volumesOf(current.shell.state),
      requestReplace: (name) =>
        current.shell?.requestReplace(name) ??
          { accepted: false, message: "the scheduler is not running yet" },
      requestResize: (size) =>
        current.shell?.requestResize(size) ??
          { accepted: false, message: "the scheduler is not running yet" },
      requestRollingRestart: (spec) =>
        current.shell?.requestRollingRestart(spec) ??
          { accepted: false, message: "the scheduler is not running yet" },
      rollingRestartView: () => current.shell?.state.rollingRestart ?? {},
      history,
      ...ops.admin,
      ...(tls ? { tls: tls.admin } : {}),
      ...(backups ? { backups: backups.admin } : {}),
      token: pre.adminToken,
      frameworkName: c.frameworkName,
      logger: log,
    }),
  );
  cleanup.push(() => admin.shutdown());

  const leadership = await lead(c, {
    id: `${address}:${admin.addr.port}`,
    standing: current,
    history,
    stop,
    log,
    cleanup,
  });
  if (!leadership.leading) return leadership.exitCode;
  const { frameworkId, store, steppedDown } = leadership;
  ops.lead();
  // The size an operator chose at run time outlives this process; the flag is the first one.
  const sizes = c.ephemeral ? undefined : createClusterSizeStore({
    zk: c.zkFrameworkPersist!,
    frameworkName: c.frameworkName,
    logger: log,
  });
  if (sizes) cleanup.push(() => sizes.close());
  const storedSize = await sizes?.load().catch((error) => {
    log.error("cannot read the stored cluster size; using --cluster-size", { error });
    return undefined;
  });
  if (storedSize !== undefined && storedSize !== c.clusterSize) {
    log.warn("using the cluster size an operator chose", {
      size: storedSize,
      flag: c.clusterSize,
    });
  }
  // The etcd an operator chose, and a rolling restart in progress, outlive this process.
  const rolling = c.ephemeral ? undefined : createRollingRestartStore({
    zk: c.zkFrameworkPersist!,
    frameworkName: c.frameworkName,
    logger: log,
  });
  if (rolling) cleanup.push(() => rolling.close());
  const rollingRecord = await rolling?.load().catch((error) => {
    log.error("cannot read the rolling restart record; nothing is resumed", { error });
    return undefined;
  });
  // Which agent holds which member's volume outlives this process (intent before ACCEPT).
  const withVolumes = volumesOn(c.volumes, c.role);
  const volumeStore = withVolumes && !c.ephemeral
    ? createVolumeStore({ zk: c.zkFrameworkPersist!, frameworkName: c.frameworkName, logger: log })
    : undefined;
  if (volumeStore) cleanup.push(() => volumeStore.close());
  // Without its records the scheduler would clean up the volumes it should relaunch on.
  const volumeRecords = withVolumes ? await volumeStore?.load() ?? [] : undefined;
  if (pre.plan.files.length > 0 || backups) {
    artifacts = await startArtifactServer({
      files: pre.plan.files,
      hostname: artifactBindAddress(address),
      port: c.artifactPort,
      advertise: address,
      logger: log,
      ...(backups ? { extra: backups.route } : {}),
    });
    cleanup.push(() => artifacts!.close());
  }
  const uris = pre.plan.uris((name) => artifacts!.url(name));
  const etcdClient = createEtcdAdminClient({
    endpoints: [],
    logger: log.child({ component: "etcd" }),
    ...(tls ? { tls: () => tls.client.current() } : {}),
  });
  const etcd = tls ? tlsSchemeAdmin(etcdClient) : etcdClient;
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
    core: { ...coreOptionsOf(c), ...(storedSize !== undefined ? { clusterSize: storedSize } : {}) },
    persistFrameworkId: store ? (id) => store.save(id) : undefined,
    persistClusterSize: sizes ? (size) => sizes.save(size) : undefined,
    persistRollingRestart: rolling ? (record) => rolling.save(record) : undefined,
    volumes: volumeStore,
    newFramework: frameworkId === undefined,
    onStep: (step) => {
      history.observe(step);
      ops.observe(step);
    },
    logger: log,
    ...(tls
      ? {
        tls: true,
        onCertificateRequest: (request) =>
          void tls.answer(request, shell.state.members, (call) => client.call(call)),
      }
      : {}),
  });
  current.shell = shell;
  if (rollingRecord !== undefined) {
    shell.push({ type: "rollingRestartLoaded", record: rollingRecord });
  }
  if (volumeRecords !== undefined) shell.push({ type: "volumesKnown", records: volumeRecords });
  cleanup.push(() => shell.stop());
  ops.attach(shell, { admin: etcd, ...(tls ? { tls: () => tls.client.current() } : {}) });
  await backups?.attach(shell, { newFramework: frameworkId === undefined });
  log.info("executor artifacts", uris);

  const onStop = async () => {
    log.info("stopping", { reason: (stop.reason as Error)?.message });
    if (c.ephemeral && client.streamId !== undefined) {
      // Our etcd connections go first: calls to members being torn down only fail. (This once
      // kept nghttp2 from aborting on their GOAWAY, denoland/deno#36788; we use HTTP/1.1 now.)
      etcd.close();
      log.warn("ephemeral framework: tearing it down (its tasks are killed)");
      await withDeadline(client.call(teardown()), 5000, "TEARDOWN").catch((error) =>
        log.warn("TEARDOWN failed", { error })
      );
    }
    await client.close();
  };
  if (stop.aborted) await onStop();
  else stop.addEventListener("abort", () => void onStop(), { once: true });
  steppedDown.addEventListener("abort", () => void client.close(), { once: true });
  try {
    await shell.run();
    if (steppedDown.aborted) return 1;
    log.info("scheduler stopped");
    return 0;
  } catch (error) {
    const ending = describeEnding(error, store?.node);
    if (ending === undefined) throw error;
    log.error(ending.message, ending.fields);
    return 1;
  }
}

/**
 * The scheduler's TLS under `--tls`, waiting while ZooKeeper (where the CA is kept) cannot
 * be reached; `undefined` when `stop` aborts meanwhile.
 */
async function tlsOf(
  c: Config,
  address: string,
  log: Logger,
  stop: AbortSignal,
): Promise<SchedulerTls | undefined> {
  for (;;) {
    try {
      return await setupTls(c, { address, logger: log });
    } catch (error) {
      if (!(error instanceof ZkConnectError) || error.reason === "auth_failed") throw error;
      log.warn("waiting for ZooKeeper to load the framework's CA", { error });
    }
    await new Promise((r) => setTimeout(r, 2_000));
    if (stop.aborted) return undefined;
  }
}

if (import.meta.main) {
  // A stalled event loop (a library spinning in microtasks) would stop every bound of ours:
  // past a minute the process is killed, loudly, and its supervisor restarts it.
  startEventLoopWatchdog({ program: PROGRAM, limitMs: 60_000 });
  Deno.exit(await runScheduler(Deno.args, Deno.env.toObject()));
}
