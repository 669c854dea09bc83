import assert from "node:assert/strict";
import { transcriptText } from "../../../tests/fixtures/transcripts.ts";
import type { Plain } from "../../mesos/plain.ts";
import { commandExecutorInfo } from "./command_task.ts";
import { containerStatus, type ExecutorEntry, type FrameworkEntry } from "./model.ts";
import { parseResources } from "./resource_string.ts";
import { agentStateJson } from "./state_json.ts";

const FW = "21876e6e-9ac8-4f1c-9ded-ea98ae5d022f-0000";
const AGENT = "21876e6e-9ac8-4f1c-9ded-ea98ae5d022f-S0";
const CONTAINER = "c5918c08-833d-44d0-80f7-ad266984af03";

/** The command task t1 of the captured run, as the agent's bookkeeping holds it. */
function capturedFramework(): FrameworkEntry {
  const task: Plain = {
    name: "t1",
    task_id: { value: "t1" },
    agent_id: { value: AGENT },
    resources: parseResources("cpus:0.1;mem:32;ports:[31000-31000]"),
    command: { value: "sleep 3" },
    labels: { labels: [{ key: "k", value: "v" }] },
    discovery: {
      visibility: "EXTERNAL",
      name: "etcd-server",
      ports: { ports: [{ number: 31000, name: "peer", protocol: "tcp" }] },
    },
  };
  const cs = containerStatus(CONTAINER, "127.0.0.1", 4242);
  const executor: ExecutorEntry = {
    id: "t1",
    frameworkId: FW,
    info: commandExecutorInfo(task, FW),
    kind: "command",
    containerId: CONTAINER,
    directory:
      `/var/lib/mesos/agent/slaves/${AGENT}/frameworks/${FW}/executors/t1/runs/${CONTAINER}`,
    state: "RUNNING",
    tasks: new Map([["t1", {
      info: task,
      state: "TASK_RUNNING",
      launched: true,
      statuses: [
        { state: "TASK_STARTING", timestamp: 1795290970.421924, container_status: cs },
        { state: "TASK_RUNNING", timestamp: 1795290970.439069, container_status: cs },
      ],
    }]]),
    completedTasks: [],
  };
  return {
    id: FW,
    info: {
      user: "root",
      name: "transcript",
      id: { value: FW },
      failover_timeout: 60,
      checkpoint: true,
    },
    executors: new Map([["t1", executor]]),
    completedExecutors: [],
    terminating: false,
  };
}

Deno.test("agentStateJson() writes frameworks[] byte for byte like agent-state.json", async () => {
  const captured = await transcriptText("agent-state.json");
  const text = agentStateJson({
    id: AGENT,
    ip: "127.0.0.1",
    port: 15051,
    hostname: "localhost",
    startTime: 1795290965.605152,
    resources: parseResources("cpus:2;mem:2048;disk:10000;ports:[31000-31099]"),
    attributes: [],
    flags: { port: "15051" },
    frameworks: [capturedFramework()],
  });
  const section = (s: string) => s.slice(s.indexOf('"frameworks":'));
  assert.equal(section(text), section(captured.trim()));
  const doc = JSON.parse(text);
  const real = JSON.parse(captured);
  for (const k of ["id", "pid", "hostname", "resources", "attributes", "start_time"]) {
    assert.deepEqual(doc[k], real[k], k);
  }
  // The resource fields, byte for byte (capabilities through resource_providers).
  const resources = (s: string) =>
    s.slice(s.indexOf('"capabilities":'), s.indexOf('"resource_providers":'));
  assert.equal(resources(text), resources(captured.trim()));
});

Deno.test("agentStateJson() shows reservations and volumes in Mesos' endpoint format", () => {
  const reservation = { type: "DYNAMIC" as const, role: "etcd", principal: "p" };
  const doc = JSON.parse(agentStateJson({
    id: AGENT,
    ip: "127.0.0.1",
    port: 1,
    hostname: "h",
    startTime: 0,
    resources: [
      { name: "cpus", type: "SCALAR", scalar: { value: 1 } },
      { name: "disk", type: "SCALAR", scalar: { value: 90 } },
      { name: "disk", type: "SCALAR", scalar: { value: 10 }, reservations: [reservation] },
    ],
    attributes: [],
    flags: {},
    frameworks: [],
  }));
  assert.deepEqual(doc.reserved_resources, { etcd: { disk: 10, mem: 0, gpus: 0, cpus: 0 } });
  assert.deepEqual(doc.unreserved_resources, { disk: 90, mem: 0, gpus: 0, cpus: 1 });
  assert.deepEqual(doc.reserved_resources_full, {
    etcd: [{
      name: "disk",
      type: "SCALAR",
      scalar: { value: 10 },
      role: "etcd",
      reservation: { principal: "p" },
      reservations: [reservation],
    }],
  });
  assert.deepEqual(doc.unreserved_resources_full.map((r: Plain) => r.role), ["*", "*"]);
});

Deno.test("agentStateJson() summarises attributes by type", () => {
  const doc = JSON.parse(agentStateJson({
    id: undefined,
    ip: "127.0.0.1",
    port: 1,
    hostname: "h",
    startTime: 0,
    resources: [],
    attributes: [
      { name: "rack", type: "TEXT", text: { value: "r1" } },
      { name: "level", type: "SCALAR", scalar: { value: 3 } },
    ],
    flags: {},
    frameworks: [],
  }));
  assert.deepEqual(doc.attributes, { rack: "r1", level: 3 });
  assert.equal(doc.id, "");
  assert.deepEqual(doc.frameworks, []);
});
