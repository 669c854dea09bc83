/**
 * A test stand for {@linkcode EtcdExecutor}: fake etcd processes, recorded updates and
 * messages, health waits the test resolves, and a fake clock.
 *
 * @module
 */
import { FakeClock } from "../../lib/clock.ts";
import type { ExecutorEvent, TaskInfo } from "../../lib/mesos/types.ts";
import { encodeMemberConfig, type MemberConfig } from "../../contract/member_config.ts";
import { encodeMaintenanceOrder } from "../../contract/orders.ts";
import type { EtcdProcess, ExitStatus } from "../etcd_process.ts";
import { EtcdExecutor } from "../executor.ts";
import type { StatusReport } from "../ports.ts";
import type { SnapshotRestoreJob } from "../snapshot_restore.ts";

/** The member config of the task the harness launches. */
export const config: MemberConfig = {
  name: "etcd-1",
  host: "127.0.0.1",
  peerPort: 31000,
  clientPort: 31001,
  initialCluster: "etcd-1=http://127.0.0.1:31000",
  clusterState: "new",
  clusterToken: "tok",
  learner: false,
};

/** A process double: exits when the test says so, or on stop() (SIGKILL after grace). */
export class FakeProcess implements EtcdProcess {
  static nextPid = 100;
  readonly pid = FakeProcess.nextPid++;
  readonly exited: Promise<ExitStatus>;
  stops: number[] = [];
  tail = "";
  /** The binary it runs, when not the executor's own etcd (a rolling restart's). */
  binary?: string;
  ignoreTerm = false;
  #resolve!: (s: ExitStatus) => void;
  #ended = false;

  constructor(readonly args: string[], readonly clock: FakeClock) {
    this.exited = new Promise((r) => this.#resolve = r);
  }
  get ended() {
    return this.#ended;
  }
  exit(status: ExitStatus) {
    if (this.#ended) return;
    this.#ended = true;
    this.#resolve(status);
  }
  stderrTail() {
    return this.tail;
  }
  stop(graceMs: number): Promise<ExitStatus> {
    this.stops.push(graceMs);
    if (!this.ignoreTerm) this.exit({ code: 143, signal: "SIGTERM" });
    else this.clock.setTimeout(() => this.exit({ code: 137, signal: "SIGKILL" }), graceMs);
    return this.exited;
  }
}

/** An executor over fakes, with what it sent and did. */
export function harness(
  options: {
    launchTimeoutMs?: number;
    spawnError?: Error;
    hasWal?: boolean;
    /** The restore port (absent: the executor refuses restores). */
    restoreSnapshot?: (job: SnapshotRestoreJob) => Promise<void>;
    /** The etcd download port (absent: the executor refuses new etcd binaries). */
    downloadEtcd?: (uri: string) => Promise<string>;
  } = {},
) {
  const clock = new FakeClock(1_000_000);
  const updates: StatusReport[] = [];
  const messages: Uint8Array[] = [];
  const procs: FakeProcess[] = [];
  const healthWaits: { url: string; signal: AbortSignal; resolve: (ok: boolean) => void }[] = [];
  /** The member's TLS files, by path (kept in memory). */
  const files = new Map<string, string>();
  const executor = new EtcdExecutor({
    sendUpdate: (s) => updates.push(s),
    sendMessage: (d) => messages.push(d),
    spawn: (args, binary) => {
      if (options.spawnError) throw options.spawnError;
      const p = new FakeProcess(args, clock);
      if (binary !== undefined) p.binary = binary;
      procs.push(p);
      return p;
    },
    waitHealthy: (url, signal) =>
      new Promise((resolve) => {
        healthWaits.push({ url, signal, resolve });
        signal.addEventListener("abort", () => resolve(false));
      }),
    clock,
    hasWal: () => options.hasWal ?? true,
    restoreSnapshot: options.restoreSnapshot,
    downloadEtcd: options.downloadEtcd,
    agentIps: () => ["10.0.0.7"],
    writeTlsFiles: (paths, m) => {
      if (m.keyPem !== undefined) files.set(paths.keyFile, m.keyPem);
      if (m.caPem !== undefined) files.set(paths.caFile, m.caPem);
      if (m.certPem !== undefined) files.set(paths.certFile, m.certPem);
      return Promise.resolve();
    },
  }, {
    sandbox: "/sandbox",
    launchTimeoutMs: options.launchTimeoutMs ?? 10_000,
    killGraceMs: 3_000,
    shutdownGraceMs: 5_000,
  });
  const states = () => updates.map((u) => u.state);
  /** Marks the latest health wait healthy. */
  const healthy = async () => {
    healthWaits.at(-1)!.resolve(true);
    await settle();
  };
  return { clock, updates, messages, procs, healthWaits, executor, states, healthy, files };
}

/** Lets pending promise callbacks run. */
export async function settle() {
  for (let i = 0; i < 30; i++) await Promise.resolve();
}

/** A LAUNCH of task t1 carrying `data`. */
export function launch(data: Uint8Array | undefined, extra: Partial<TaskInfo> = {}): ExecutorEvent {
  return {
    type: "LAUNCH",
    launch: {
      task: {
        name: "etcd-server",
        task_id: { value: "t1" },
        agent_id: { value: "a1" },
        ...(data ? { data } : {}),
        ...extra,
      },
    },
  };
}

/** A LAUNCH of task t1 with a valid member config. */
export const good = (): ExecutorEvent => launch(encodeMemberConfig(config));

/** A MESSAGE carrying `order`. */
export const message = (order: object): ExecutorEvent => ({
  type: "MESSAGE",
  message: { data: encodeMaintenanceOrder(order as never) },
});
