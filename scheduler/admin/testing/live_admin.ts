/**
 * Test support: a running scheduler without Mesos, behind its admin API on a free loopback
 * port — the real shell and core (fed by a fake scheduler client that reports one running
 * task), probing a real etcd with the real admin client, the audit trail, the probes'
 * samples and the maintainer on that etcd. What the status page shows is then real data.
 *
 * @module
 */
import { createEtcdAdminClient } from "../../../lib/etcd/admin_client.ts";
import { createEtcdMaintenanceClient } from "../../../lib/etcd/maintenance_client.ts";
import { type EtcdServer, startEtcd } from "../../../lib/etcd/testing/etcd_server.ts";
import { executorCommand } from "../../../contract/executor_command.ts";
import { formatTaskId } from "../../../contract/task_id.ts";
import { status } from "../../core/testing/scenario_world.ts";
import { EventLog } from "../../events/event_log.ts";
import { clusterView } from "../../maintenance/cluster_view.ts";
import { Maintainer } from "../../maintenance/maintainer.ts";
import { DEFAULT_COOLDOWNS } from "../../maintenance/plan.ts";
import { createSchedulerShell, type SchedulerShell } from "../../shell.ts";
import { FakeShellClient } from "../../testing/shell_fakes.ts";
import { createAdminHandler } from "../handler.ts";
import { SchedulerHistory } from "../history.ts";
import { ClusterSamples } from "../samples.ts";

/** A running scheduler (see the module comment). */
export interface LiveAdmin {
  /** The admin API, `http://127.0.0.1:<port>/`. */
  url: string;
  etcd: EtcdServer;
  shell: SchedulerShell;
  events: EventLog;
  samples: ClusterSamples;
  maintainer: Maintainer;
  /** Stops everything it started. */
  stop(): Promise<void>;
}

/**
 * Starts etcd `etcd-1` (with `etcdArgs`), a shell that adopts it as a one-member cluster and
 * probes it every `intervalMs`, and the admin API.
 */
export async function startLiveAdmin(
  options: { etcdArgs?: string[]; intervalMs?: number; frameworkName?: string } = {},
): Promise<LiveAdmin> {
  const intervalMs = options.intervalMs ?? 500;
  const etcd = await startEtcd({ name: "etcd-1", args: options.etcdArgs ?? [] });
  const admin = createEtcdAdminClient({ endpoints: [] });
  const maintenance = createEtcdMaintenanceClient({ endpoints: [] });
  const client = new FakeShellClient();
  const history = new SchedulerHistory();
  const events = new EventLog();
  const samples = new ClusterSamples({ everyMs: intervalMs });
  const shell = createSchedulerShell({
    client,
    etcd: admin,
    executor: {
      command: executorCommand({ executorUri: "http://x/e.tar.gz", etcdUri: "http://x/etcd" }),
    },
    core: { clusterSize: 1, healthIntervalMs: intervalMs, reconcileSettleMs: 200 },
    onStep: (step) => {
      history.observe(step);
      events.observe(step);
      samples.observe(step);
    },
    tickMs: intervalMs,
  });
  const running = shell.run();
  client.connected();
  const taskId = formatTaskId({
    name: "etcd-1",
    host: "127.0.0.1",
    peerPort: Number(new URL(etcd.peerUrl).port),
    clientPort: Number(new URL(etcd.clientUrl).port),
  });
  client.event({
    type: "UPDATE",
    update: { status: status(taskId, "TASK_RUNNING", { agentId: "a1" }) },
  });
  const maintainer = new Maintainer({
    etcd: maintenance,
    cluster: () => clusterView(shell.state, samples.latest()),
    status: (endpoint) => admin.status(endpoint),
    record: (kind, reason, fields) => events.record(kind, reason, fields),
    settings: { ...DEFAULT_COOLDOWNS, defragThreshold: 0.5, defragMinDbBytes: 64 << 20 },
    intervalMs,
  });
  maintainer.start();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    createAdminHandler({
      stats: () => shell.stats(),
      members: () => shell.members(),
      health: () => shell.health(),
      requestReseed: () => shell.requestReseed(),
      history,
      events,
      samples,
      maintenance: maintainer,
      frameworkName: options.frameworkName ?? "etcd",
    }),
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}/`,
    etcd,
    shell,
    events,
    samples,
    maintainer,
    async stop() {
      await server.shutdown();
      await maintainer.stop();
      client.notices.close();
      await running;
      await shell.stop();
      await events.close();
      maintenance.close();
      admin.close();
      await etcd.stop();
    },
  };
}
