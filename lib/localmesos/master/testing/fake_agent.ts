/**
 * Test support: a fake agent for master tests, a scripted HTTP server that registers
 * through the internal protocol, records what the master asks of it and sends status
 * updates. Not used by production code.
 *
 * @module
 */
import type { Plain } from "../../../mesos/plain.ts";
import {
  type RecordedRequest,
  type ScriptedServer,
  startScriptedServer,
} from "../../../mesos/testing/scripted_server.ts";
import { MASTER_INTERNAL, type RegisterAgentResponse } from "../../internal_protocol.ts";

/** A fake agent registered with a master. */
export interface FakeAgent {
  server: ScriptedServer;
  agentId: string;
  /** Requests the master sent to the agent, by internal path. */
  requestsTo(path: string): RecordedRequest[];
  /** POSTs to one of the master's internal endpoints; returns status and JSON/text body. */
  send(path: string, body: unknown): Promise<{ status: number; body: string }>;
  close(): Promise<void>;
}

/** The resources of the captured agent, in the order the real master offered them. */
export const CAPTURED_AGENT_RESOURCES: Plain[] = [
  { name: "ports", type: "RANGES", ranges: { range: [{ begin: 31000, end: 31099 }] } },
  { name: "cpus", type: "SCALAR", scalar: { value: 2 } },
  { name: "mem", type: "SCALAR", scalar: { value: 2048 } },
  { name: "disk", type: "SCALAR", scalar: { value: 10000 } },
];

/** Starts a scripted agent server and registers it (or re-registers with `agentId`). */
export async function startFakeAgent(
  masterUrl: string,
  options: {
    resources?: Plain[];
    hostname?: string;
    agentId?: string;
    tasks?: Plain[];
    frameworks?: Plain[];
    attributes?: Plain[];
  } = {},
): Promise<FakeAgent> {
  const server = await startScriptedServer(() =>
    new Response("{}", { headers: { "Content-Type": "application/json" } })
  );
  const send = async (path: string, body: unknown) => {
    const res = await fetch(new URL(path, masterUrl), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.text() };
  };
  const agentInfo: Plain = {
    hostname: options.hostname ?? "localhost",
    port: server.port,
    resources: options.resources ?? CAPTURED_AGENT_RESOURCES,
  };
  if (options.attributes) agentInfo.attributes = options.attributes;
  const reg = await send(MASTER_INTERNAL.register, {
    agent_info: agentInfo,
    agent_url: server.origin,
    agent_id: options.agentId,
    tasks: options.tasks ?? [],
    frameworks: options.frameworks ?? [],
  });
  if (reg.status !== 200) {
    await server.close();
    throw new Error(`register answered ${reg.status}: ${reg.body}`);
  }
  const { agent_id } = JSON.parse(reg.body) as RegisterAgentResponse;
  return {
    server,
    agentId: agent_id,
    requestsTo: (path) => server.requests.filter((r) => r.path === path),
    send,
    close: () => server.close(),
  };
}

/** Sends a status update from `agent` as the internal protocol carries it. */
export async function sendStatus(
  agent: FakeAgent,
  frameworkId: string,
  taskId: string,
  state: string,
  extra: Plain = {},
): Promise<void> {
  const res = await agent.send(MASTER_INTERNAL.statusUpdate, {
    agent_id: agent.agentId,
    framework_id: frameworkId,
    status: {
      task_id: { value: taskId },
      state,
      source: "SOURCE_EXECUTOR",
      executor_id: { value: taskId },
      timestamp: 1795290970.5,
      ...extra,
    },
  });
  if (res.status !== 200) throw new Error(`status_update answered ${res.status}: ${res.body}`);
}
