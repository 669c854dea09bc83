/**
 * End to end through the whole protocol layer: a tiny framework (our scheduler client)
 * launches `sleep` tasks through a fetched executor artifact (our executor client, bundled
 * with the Deno runtime) on a local Mesos with two masters elected in a real ZooKeeper,
 * survives the leading master's death without losing a task, then kills the tasks.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { createMasterDetector } from "../lib/mesos/master_detector.ts";
import { createSchedulerClient, type SchedulerNotice } from "../lib/mesos/scheduler_client.ts";
import {
  acceptLaunch,
  acknowledge,
  decline,
  kill,
  needsAcknowledge,
  reconcile,
  teardown,
} from "../lib/mesos/calls.ts";
import { buildArtifact } from "../scripts/artifact.ts";
import { createLogger } from "../lib/log.ts";
import type { Offer, TaskInfo, TaskState } from "../lib/mesos/types.ts";
import { until } from "../lib/until.ts";
import { withWorld } from "./testing/world.ts";

const logger = createLogger({ level: "warn" });

function sleepTask(offer: Offer, index: number, artifact: string): TaskInfo {
  const scalar = (name: string, value: number) => ({
    name,
    type: "SCALAR" as const,
    scalar: { value },
  });
  return {
    name: `sleep-${index}`,
    task_id: { value: `sleep-${index}` },
    agent_id: offer.agent_id,
    resources: [scalar("cpus", 0.1), scalar("mem", 16)],
    data: new TextEncoder().encode("600"),
    executor: {
      type: "CUSTOM",
      executor_id: { value: `sleep-executor-${index}` },
      command: { value: "./sleep-executor", uris: [{ value: artifact, cache: true }] },
      resources: [scalar("cpus", 0.1), scalar("mem", 32)],
    },
  };
}

function alive(pid: number): boolean {
  try {
    Deno.kill(pid, "SIGCONT");
    return true;
  } catch {
    return false;
  }
}

Deno.test({
  name:
    "a sample framework runs sleep tasks via a fetched executor, survives master failover, kills them",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withWorld({
      name: "sample-fw",
      zookeeper: true,
      masters: 2,
      agents: 2,
      scheduler: false,
      masterOptions: { heartbeatSeconds: 1 },
      agentTuning: { pingIntervalMs: 300, statusRetryMs: 300, statusRetryMaxMs: 1000 },
      logger,
    }, async (world) => {
      const mesos = world.mesos;
      const artifact = await buildArtifact({
        entry: new URL("./sample/sleep_executor.ts", import.meta.url).pathname,
        name: "sleep-executor",
        outDir: `${world.work}/artifacts`,
      });
      const detector = createMasterDetector(world.masterSpec, { logger });
      const client = createSchedulerClient({
        master: detector,
        frameworkInfo: { user: "root", name: "sample", failover_timeout: 600, checkpoint: true },
        encoding: "protobuf",
        backoff: { minMs: 100, maxMs: 1000 },
        logger,
      });
      const states = new Map<string, TaskState>();
      const known = new Set<string>();
      // Explicit reconciliation, repeated until every known task has answered: a newly
      // elected master stays silent about agents that have not re-registered yet.
      let reconciling: ReturnType<typeof setInterval> | undefined;
      const reconcileUntilAnswered = () => {
        clearInterval(reconciling);
        const ask = () => {
          const missing = [...known].filter((t) => !states.has(t));
          if (missing.length === 0) return clearInterval(reconciling);
          client.call(reconcile(missing.map((taskId) => ({ taskId })))).catch(() => {});
        };
        reconciling = setInterval(ask, 500);
        ask();
      };
      const connects: string[] = [];
      let launched = 0;
      const pump = (async () => {
        for await (const n of client as AsyncIterable<SchedulerNotice>) {
          if (n.type === "connected") {
            connects.push(n.frameworkId);
            reconcileUntilAnswered();
            continue;
          }
          if (n.type !== "event") continue;
          const e = n.event;
          if (e.type === "OFFERS") {
            for (const offer of e.offers?.offers ?? []) {
              if (launched < 2) {
                await client.call(acceptLaunch([offer.id.value], [
                  sleepTask(offer, launched++, artifact.tarball),
                ]));
              } else await client.call(decline([offer.id.value], { refuseSeconds: 3600 }));
            }
          } else if (e.type === "UPDATE" && e.update) {
            const status = e.update.status;
            states.set(status.task_id.value, status.state);
            known.add(status.task_id.value);
            if (needsAcknowledge(status)) await client.call(acknowledge(status));
          }
        }
      })();
      const allIn = (state: TaskState) => () =>
        states.size === 2 && [...states.values()].every((v) => v === state);
      const wait = (what: string, done: () => boolean) =>
        until(done, { timeoutMs: 60_000, what, intervalMs: 20 }).catch((e) => {
          throw new Error(`${e.message}: ${JSON.stringify([...states])}`);
        });
      try {
        await wait("both tasks running", allIn("TASK_RUNNING"));
        const pids = mesos.agents.flatMap((a) => a.executorPids());
        strictEqual(pids.length, 2);
        ok(pids.every(alive), "both executor processes run");

        // Kill the leading master: the client follows ZooKeeper to the other one, the agents
        // re-register with their tasks, and reconciliation still reports both running.
        const leader = world.leader()!;
        states.clear();
        await leader.stop();
        await wait("reconciled after master failover", allIn("TASK_RUNNING"));
        ok(connects.length >= 2, "re-subscribed to the new leader");
        ok(connects.every((id) => id === connects[0]), "same framework id after failover");
        ok(pids.every(alive), "no executor was restarted by the failover");

        await client.call(kill("sleep-0"));
        await client.call(kill("sleep-1"));
        await wait("both tasks killed", allIn("TASK_KILLED"));
        deepStrictEqual([...states.keys()].sort(), ["sleep-0", "sleep-1"]);
        await client.call(teardown());
      } finally {
        clearInterval(reconciling);
        await client.close();
        await pump.catch(() => {});
        await detector.close();
        await mesos.stop();
      }
      const leftovers = mesos.agents.flatMap((a) => a.executorPids()).filter(alive);
      deepStrictEqual(leftovers, [], "no executor process survives the local Mesos");
    }),
});
