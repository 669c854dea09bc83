/**
 * The agent's `GET /slave(1)/state`: a minimal document shaped like a real agent's
 * (transcript `agent-state.json`): identity, resources (total, reserved by role and
 * unreserved, as summaries and in full, and what the containers hold), attributes, a few
 * flags and `frameworks[].executors[]` with their sandbox `directory` and tasks.
 *
 * @module
 */
import type { Plain } from "../../mesos/plain.ts";
import { double, type JsonValue, message, writeJson } from "../master/json_writer.ts";
import type { Resource } from "../../mesos/types.ts";
import { endpointResource } from "../resources/format.ts";
import {
  addResources,
  isUnreserved,
  normalize,
  reservationsByRole,
  unallocate,
} from "../resources/resources.ts";
import {
  containerResources,
  type ExecutorEntry,
  type FrameworkEntry,
  type TaskEntry,
} from "./model.ts";
import { formatRanges, resourceSummary } from "./resource_string.ts";

/** What the state document describes besides the frameworks. */
export interface AgentStateInput {
  id: string | undefined;
  ip: string;
  port: number;
  hostname: string;
  /** Seconds since the epoch. */
  startTime: number;
  resources: Plain[];
  attributes: Plain[];
  flags: Record<string, string>;
  masterHostname?: string;
  frameworks: FrameworkEntry[];
}

/** The agent capabilities a Mesos 1.12 agent reports (agent-state.json). */
const CAPABILITIES = [
  "MULTI_ROLE",
  "HIERARCHICAL_ROLE",
  "RESERVATION_REFINEMENT",
  "RESOURCE_PROVIDER",
  "RESIZE_VOLUME",
  "AGENT_OPERATION_FEEDBACK",
  "AGENT_DRAINING",
  "TASK_RESOURCE_LIMITS",
];

/** Summaries of reserved resources by role. */
function reservedSummary(resources: readonly Resource[]): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const [role, list] of reservationsByRole(resources)) out[role] = summary(list);
  return out;
}

/** Resources as protobuf JSON in Mesos' "endpoint" format. */
function full(resources: readonly Resource[]): JsonValue[] {
  return resources.map((r) => message("mesos.v1.Resource", endpointResource(r)));
}

/** What the live containers hold (executor resources plus their tasks' not yet terminal). */
function allocated(frameworks: FrameworkEntry[]): Resource[] {
  let out: Resource[] = [];
  for (const fw of frameworks) {
    for (const entry of fw.executors.values()) {
      out = addResources(out, unallocate(containerResources(entry) as Resource[]));
    }
  }
  return out;
}

/** Writes the state document as Mesos-style JSON text. */
export function agentStateJson(input: AgentStateInput): string {
  const total = normalize(input.resources as Resource[]);
  const unreserved = total.filter(isUnreserved);
  const reservedFull: Record<string, JsonValue> = {};
  for (const [role, list] of reservationsByRole(total)) reservedFull[role] = full(list);
  const inUse = allocated(input.frameworks);
  const doc: Record<string, JsonValue | undefined> = {
    version: "1.12.0",
    start_time: double(input.startTime),
    id: input.id ?? "",
    pid: `slave(1)@${input.ip}:${input.port}`,
    hostname: input.hostname,
    capabilities: CAPABILITIES,
    resources: summary(total),
    reserved_resources: reservedSummary(total),
    unreserved_resources: summary(unreserved),
    reserved_resources_full: reservedFull,
    unreserved_resources_full: full(unreserved),
    reserved_resources_allocated: reservedSummary(inUse),
    unreserved_resources_allocated: summary(inUse.filter(isUnreserved)),
    resource_providers: [],
    attributes: attributeSummary(input.attributes),
    master_hostname: input.masterHostname,
    flags: input.flags,
    frameworks: input.frameworks.map(frameworkJson),
    completed_frameworks: [],
  };
  return writeJson(doc);
}

function frameworkJson(fw: FrameworkEntry): JsonValue {
  const info = fw.info;
  return {
    id: fw.id,
    name: info.name ?? "",
    user: info.user ?? "",
    failover_timeout: double(info.failover_timeout ?? 0),
    checkpoint: info.checkpoint ?? false,
    hostname: info.hostname ?? "",
    role: info.role ?? "*",
    executors: [...fw.executors.values()].map(executorJson),
    completed_executors: fw.completedExecutors.map(executorJson),
  };
}

function executorJson(entry: ExecutorEntry): JsonValue {
  const tasks = [...entry.tasks.values()];
  const own = (entry.info.resources ?? []) as Plain[];
  const all = [...own, ...tasks.flatMap((t) => (t.info.resources ?? []) as Plain[])];
  return {
    id: entry.id,
    name: entry.info.name ?? "",
    source: entry.info.source ?? "",
    container: entry.containerId,
    directory: entry.directory,
    resources: summary(all),
    role: "*",
    labels: entry.info.labels?.labels,
    tasks: tasks.filter((t) => t.launched).map((t) => taskJson(t, entry)),
    queued_tasks: tasks.filter((t) => !t.launched).map((t) => taskJson(t, entry)),
    completed_tasks: entry.completedTasks.map((t) => taskJson(t, entry)),
  };
}

function taskJson(task: TaskEntry, entry: ExecutorEntry): JsonValue {
  const info = task.info;
  return {
    id: info.task_id.value,
    name: info.name,
    framework_id: entry.frameworkId,
    executor_id: entry.kind === "command" ? "" : entry.id,
    slave_id: info.agent_id?.value ?? "",
    state: task.state,
    resources: summary(info.resources ?? []),
    role: "*",
    statuses: task.statuses.map((s) => ({
      state: s.state,
      timestamp: double(s.timestamp),
      // Like the real agent's /state: no executor_pid here (updates carry it).
      container_status: s.container_status === undefined ? undefined : message(
        "mesos.v1.ContainerStatus",
        { ...s.container_status, executor_pid: undefined },
      ),
    })),
    labels: info.labels?.labels,
    discovery: info.discovery === undefined
      ? undefined
      : message("mesos.v1.DiscoveryInfo", info.discovery),
  };
}

function summary(resources: Plain[]): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(resourceSummary(resources as never))) {
    out[k] = typeof v === "number" ? double(v) : v;
  }
  return out;
}

function attributeSummary(attributes: Plain[]): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const a of attributes) {
    if (a.type === "SCALAR") out[a.name] = double(a.scalar.value);
    else if (a.type === "RANGES") out[a.name] = formatRanges(a.ranges.range ?? []);
    else if (a.type === "SET") out[a.name] = `{${(a.set.item ?? []).join(",")}}`;
    else out[a.name] = a.text?.value ?? "";
  }
  return out;
}
