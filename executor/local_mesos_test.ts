/**
 * The executor as agents really run it: bundled into the offline artifact, fetched with
 * etcd into the sandbox by the local Mesos agent, driven by a minimal framework through the
 * local master. Covers launch → TASK_RUNNING with a healthy etcd, stop/restart orders
 * answered by MESSAGE, and KILL → TASK_KILLED with etcd gone.
 */
import assert from "node:assert/strict";
import { startLocalMesos } from "../lib/localmesos/cluster.ts";
import { createLogger } from "../lib/log.ts";
import {
  acceptLaunch,
  acknowledge,
  decline,
  kill,
  message,
  needsAcknowledge,
  teardown,
} from "../lib/mesos/calls.ts";
import { createSchedulerClient } from "../lib/mesos/scheduler_client.ts";
import type { Offer, TaskInfo, TaskStatus } from "../lib/mesos/types.ts";
import { buildArtifact } from "../scripts/artifact.ts";
import { executorCommand } from "../contract/executor_command.ts";
import { encodeMemberConfig } from "../contract/member_config.ts";
import {
  encodeMaintenanceOrder,
  type MaintenanceOutcome,
  parseMaintenanceOutcome,
} from "../contract/orders.ts";
import { until } from "../lib/until.ts";
import { memberConfig } from "./testing/single_member.ts";

const logger = createLogger({ level: "warn" });

function etcdTask(offer: Offer, artifact: string): { task: TaskInfo; clientPort: number } {
  const range = offer.resources?.find((r) => r.name === "ports")?.ranges?.range?.[0];
  assert.ok(range && range.end - range.begin >= 1, "the offer has no two ports");
  const [peerPort, clientPort] = [range.begin, range.begin + 1];
  const scalar = (name: string, value: number) => ({
    name,
    type: "SCALAR" as const,
    scalar: { value },
  });
  const data = encodeMemberConfig(memberConfig("local-mesos-it", { peerPort, clientPort }));
  return {
    clientPort,
    task: {
      name: "etcd-server",
      task_id: { value: "etcd-1 127.0.0.1" },
      agent_id: offer.agent_id,
      data,
      resources: [
        scalar("cpus", 0.5),
        scalar("mem", 128),
        {
          name: "ports",
          type: "RANGES",
          ranges: { range: [{ begin: peerPort, end: clientPort }] },
        },
      ],
      executor: {
        type: "CUSTOM",
        executor_id: { value: "etcd-exec-1" },
        command: executorCommand({ executorUri: artifact, etcdUri: "/usr/bin/etcd" }),
        resources: [scalar("cpus", 0.1), scalar("mem", 32)],
      },
    },
  };
}

async function healthy(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health`, {
      signal: AbortSignal.timeout(2000),
    });
    return res.ok && JSON.parse(await res.text()).health === "true";
  } catch {
    return false;
  }
}

async function listening(port: number): Promise<boolean> {
  try {
    (await Deno.connect({ hostname: "127.0.0.1", port })).close();
    return true;
  } catch {
    return false;
  }
}

Deno.test({
  name: "executor on the local Mesos: fetched artifact runs etcd, obeys orders and KILL",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const work = await Deno.makeTempDir({ prefix: "etcd-exec-mesos-" });
    const artifact = await buildArtifact({
      entry: new URL("./main.ts", import.meta.url).pathname,
      name: "etcd-mesos-executor",
      outDir: `${work}/artifacts`,
    });
    const mesos = await startLocalMesos({
      masters: 1,
      agents: 1,
      port: 0,
      workDir: `${work}/mesos`,
      logger,
      masterOptions: { heartbeatSeconds: 1 },
    });
    const client = createSchedulerClient({
      master: mesos.masterSpec,
      frameworkInfo: { user: "root", name: "etcd-executor-it", failover_timeout: 60 },
      encoding: "json",
      logger,
    });
    const statuses: TaskStatus[] = [];
    const outcomes: MaintenanceOutcome[] = [];
    const failures: { executorId?: string; status?: number }[] = [];
    let launched: { task: TaskInfo; clientPort: number } | undefined;
    const pump = (async () => {
      for await (const n of client) {
        if (n.type !== "event") continue;
        const e = n.event;
        if (e.type === "OFFERS") {
          for (const offer of e.offers?.offers ?? []) {
            if (launched === undefined) {
              launched = etcdTask(offer, artifact.tarball);
              await client.call(acceptLaunch([offer.id.value], [launched.task]));
            } else await client.call(decline([offer.id.value], { refuseSeconds: 3600 }));
          }
        } else if (e.type === "UPDATE" && e.update) {
          statuses.push(e.update.status);
          if (needsAcknowledge(e.update.status)) await client.call(acknowledge(e.update.status));
        } else if (e.type === "MESSAGE" && e.message) {
          outcomes.push(parseMaintenanceOutcome(e.message.data));
        } else if (e.type === "FAILURE" && e.failure) {
          failures.push({ executorId: e.failure.executor_id?.value, status: e.failure.status });
        }
      }
    })();
    const states = () => statuses.map((s) => s.state);
    const order = async (op: "stop" | "restart") => {
      const before = outcomes.length;
      await client.call(
        message(
          { agentId: launched!.task.agent_id.value, executorId: "etcd-exec-1" },
          encodeMaintenanceOrder({ op, id: op }),
        ),
      );
      return await until(() => outcomes[before], {
        timeoutMs: 60_000,
        what: `${op} outcome`,
        intervalMs: 50,
      });
    };
    try {
      await until(() => states().includes("TASK_RUNNING"), {
        timeoutMs: 90_000,
        what: "TASK_RUNNING",
        intervalMs: 50,
      });
      const port = launched!.clientPort;
      assert.equal(await healthy(port), true, "TASK_RUNNING but etcd does not answer");
      assert.deepEqual(states(), ["TASK_STARTING", "TASK_RUNNING"]);

      const stopped = await order("stop");
      assert.deepEqual([stopped.ok, stopped.etcd], [true, "stopped"]);
      assert.equal(await listening(port), false, "etcd still listens after stop");
      const restarted = await order("restart");
      assert.deepEqual([restarted.ok, restarted.etcd], [true, "running"]);
      assert.equal(await healthy(port), true);

      await client.call(kill(launched!.task.task_id.value));
      await until(() => states().includes("TASK_KILLED"), {
        timeoutMs: 60_000,
        what: "TASK_KILLED",
        intervalMs: 50,
      });
      assert.equal(await listening(port), false, "etcd still listens after KILL");
      // The agent reports the executor's exit as FAILURE with its raw wait status.
      const exit = await until(() => failures[0], {
        timeoutMs: 20_000,
        what: "executor exit",
        intervalMs: 50,
      });
      assert.deepEqual(exit, { executorId: "etcd-exec-1", status: 0 });
      await client.call(teardown());
    } finally {
      await client.close();
      await pump.catch(() => {});
      await mesos.stop();
    }
    await Deno.remove(work, { recursive: true });
  },
});
