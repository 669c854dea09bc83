/**
 * `GET /master/state` and `GET /master/tasks`, shaped exactly like a Mesos 1.12 master's
 * (key order, doubles, resource objects with `"ports":"[a-b, c-d]"`, flat label arrays,
 * discovery as protobuf JSON, `role` without `roles` for non-MULTI_ROLE frameworks, no
 * `pid` for HTTP frameworks) so that Mesos-DNS and other tools can read them.
 *
 * @module
 */
import type { Plain } from "../../mesos/plain.ts";
import type { Attribute, Resource } from "../../mesos/types.ts";
import type { MasterContext } from "./context.ts";
import { double, type JsonValue, message, writeJson } from "./json_writer.ts";
import { MESOS_VERSION } from "./master_info.ts";
import { endpointResource } from "../resources/format.ts";
import {
  addResources,
  allocate,
  formatRanges,
  isUnreserved,
  rangesNamed,
  reservationsByRole,
  scalarOf,
} from "../resources/resources.ts";
import {
  type AgentRecord,
  type FrameworkRecord,
  frameworkRole,
  hasCapability,
  type OfferRecord,
  type TaskRecord,
} from "./state.ts";

const MASTER_CAPABILITIES = ["AGENT_UPDATE", "AGENT_DRAINING", "QUOTA_V2"];
const AGENT_CAPABILITIES = [
  "MULTI_ROLE",
  "HIERARCHICAL_ROLE",
  "RESERVATION_REFINEMENT",
  "RESOURCE_PROVIDER",
  "RESIZE_VOLUME",
  "AGENT_OPERATION_FEEDBACK",
  "AGENT_DRAINING",
  "TASK_RESOURCE_LIMITS",
];

/** A resources object: `disk`, `mem`, `gpus`, `cpus` always, then ranges and other scalars. */
export function resourcesObject(resources: readonly Resource[]): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const name of ["disk", "mem", "gpus", "cpus"]) out[name] = double(scalarOf(resources, name));
  for (const r of resources) {
    if (r.name in out) continue;
    if (r.type === "SCALAR") out[r.name] = double(scalarOf(resources, r.name));
    else if (r.type === "RANGES") out[r.name] = formatRanges(rangesNamed(resources, r.name));
    else if (r.type === "SET") out[r.name] = `{${(r.set?.item ?? []).join(",")}}`;
  }
  return out;
}

function attributesObject(attributes: readonly Attribute[]): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const a of attributes) {
    if (a.type === "SCALAR") out[a.name] = double(a.scalar?.value ?? 0);
    else if (a.type === "TEXT") out[a.name] = a.text?.value ?? "";
    else if (a.type === "RANGES") out[a.name] = formatRanges(a.ranges?.range ?? []);
    else if (a.type === "SET") out[a.name] = `{${(a.set?.item ?? []).join(",")}}`;
  }
  return out;
}

function statusObject(status: Plain): JsonValue {
  const out: Record<string, JsonValue> = {
    state: status.state,
    timestamp: double(status.timestamp ?? 0),
  };
  if (status.labels !== undefined) out.labels = labelsArray(status.labels);
  if (status.container_status !== undefined) {
    const { executor_pid: _pid, ...cs } = status.container_status;
    out.container_status = message("mesos.v1.ContainerStatus", cs);
  }
  if (status.healthy !== undefined) out.healthy = status.healthy;
  return out;
}

function labelsArray(labels: Plain): JsonValue {
  return (labels.labels ?? []).map((l: Plain) => message("mesos.v1.Label", l));
}

/** A task as in `/master/state` and `/master/tasks`. */
export function taskObject(ctx: MasterContext, task: TaskRecord): JsonValue {
  const fw = ctx.state.frameworks.get(task.frameworkId);
  const out: Record<string, JsonValue> = {
    id: task.taskId,
    name: task.name,
    framework_id: task.frameworkId,
    executor_id: task.executorId ?? "",
    slave_id: task.agentId,
    state: task.state,
    resources: resourcesObject(task.resources),
    role: fw === undefined ? "*" : frameworkRole(fw.info),
    statuses: task.statuses.map(statusObject),
  };
  if (task.info.labels !== undefined) out.labels = labelsArray(task.info.labels);
  if (task.info.discovery !== undefined) {
    out.discovery = message("mesos.v1.DiscoveryInfo", task.info.discovery);
  }
  if (task.info.container !== undefined) {
    out.container = message("mesos.v1.ContainerInfo", task.info.container);
  }
  return out;
}

function offerObject(offer: OfferRecord): JsonValue {
  return {
    id: offer.id,
    framework_id: offer.frameworkId,
    allocation_info: message("mesos.v1.Resource.AllocationInfo", offer.offer.allocation_info ?? {}),
    slave_id: offer.agentId,
    resources: resourcesObject(offer.resources),
  };
}

function frameworkObject(ctx: MasterContext, fw: FrameworkRecord): JsonValue {
  const used = ctx.state.usedByFramework(fw.id);
  const info = fw.info;
  const out: Record<string, JsonValue> = {
    id: fw.id,
    name: info.name ?? "",
    used_resources: resourcesObject(used),
    offered_resources: resourcesObject(ctx.state.offeredToFramework(fw.id)),
    capabilities: (info.capabilities ?? []).map((c: Plain) => String(c.type)),
    hostname: info.hostname ?? "",
    webui_url: info.webui_url ?? "",
    active: fw.active,
    connected: fw.connected,
    recovered: fw.recovered,
    user: info.user ?? "",
    failover_timeout: double(Number(info.failover_timeout ?? 0)),
    checkpoint: info.checkpoint ?? false,
    registered_time: double(fw.registeredTime),
  };
  if (fw.reregisteredTime !== undefined) out.reregistered_time = double(fw.reregisteredTime);
  out.unregistered_time = double(fw.connected ? 0 : fw.unregisteredTime ?? 0);
  if (info.principal !== undefined) out.principal = info.principal;
  out.resources = resourcesObject(used);
  if (hasCapability(info, "MULTI_ROLE")) out.roles = info.roles ?? [];
  else out.role = frameworkRole(info);
  if (info.labels !== undefined) out.labels = labelsArray(info.labels);
  out.tasks = [...fw.tasks.values()].map((t) => taskObject(ctx, t));
  out.unreachable_tasks = [];
  out.completed_tasks = fw.completedTasks.map((t) => taskObject(ctx, t));
  out.offers = ctx.state.offersOfFramework(fw.id).map(offerObject);
  out.executors = executorsOf(ctx, fw.id);
  out.offer_constraints = {};
  return out;
}

function executorsOf(ctx: MasterContext, frameworkId: string): JsonValue[] {
  const out: JsonValue[] = [];
  for (const agent of ctx.state.agents.values()) {
    for (const e of agent.executors.values()) {
      if (e.frameworkId !== frameworkId) continue;
      out.push({
        executor_id: e.executorId,
        name: e.info.name ?? "",
        framework_id: e.frameworkId,
        command: e.info.command === undefined
          ? undefined
          : message("mesos.v1.CommandInfo", e.info.command),
        resources: resourcesObject(e.resources),
        slave_id: agent.id,
      });
    }
  }
  return out;
}

/** Reserved resources by role, each as a resources object (Mesos' `reserved_resources`). */
function reservedObject(resources: readonly Resource[]): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const [role, reserved] of reservationsByRole(resources)) {
    out[role] = resourcesObject(reserved);
  }
  return out;
}

/** Resources as full protobuf JSON in the "endpoint" format (role, reservation, reservations). */
function fullArray(resources: readonly Resource[]): JsonValue[] {
  return resources.map((r) => message("mesos.v1.Resource", endpointResource(r)));
}

function agentObject(ctx: MasterContext, agent: AgentRecord, full = false): JsonValue {
  const used = ctx.state.usedOnAgent(agent.id);
  const out: Record<string, JsonValue> = {
    id: agent.id,
    hostname: agent.hostname,
    port: agent.port,
    attributes: attributesObject(agent.attributes),
    pid: `slave(1)@${agent.ip}:${agent.port}`,
    registered_time: double(agent.registeredTime),
  };
  if (agent.reregisteredTime !== undefined) {
    out.reregistered_time = double(agent.reregisteredTime);
  }
  Object.assign(out, {
    resources: resourcesObject(agent.total),
    used_resources: resourcesObject(used),
    offered_resources: resourcesObject(ctx.state.offeredOnAgent(agent.id)),
    reserved_resources: reservedObject(agent.total),
    unreserved_resources: resourcesObject(agent.total.filter(isUnreserved)),
    active: agent.connected,
    deactivated: !agent.connected,
    version: MESOS_VERSION,
    capabilities: AGENT_CAPABILITIES,
  });
  if (full) {
    const reservedFull: Record<string, JsonValue> = {};
    for (const [role, reserved] of reservationsByRole(agent.total)) {
      reservedFull[role] = fullArray(reserved);
    }
    out.reserved_resources_full = reservedFull;
    out.unreserved_resources_full = fullArray(agent.total.filter(isUnreserved));
    out.used_resources_full = fullArray(usedAllocated(ctx, agent));
    out.offered_resources_full = fullArray(
      ctx.state.offersOnAgent(agent.id).flatMap((o) => allocate(o.resources, o.role)),
    );
  }
  return out;
}

/** What tasks and executors use on the agent, allocated to their framework's role. */
function usedAllocated(ctx: MasterContext, agent: AgentRecord): Resource[] {
  let out: Resource[] = [];
  for (const fw of ctx.state.frameworks.values()) {
    const used = ctx.state.usedOnAgent(agent.id, fw.id);
    if (used.length > 0) out = addResources(out, allocate(used, frameworkRole(fw.info)));
  }
  return out;
}

/** The body of `GET /master/slaves`: every agent with the `*_full` resource arrays. */
export function renderSlaves(ctx: MasterContext): string {
  return writeJson({
    slaves: [...ctx.state.agents.values()].map((a) => agentObject(ctx, a, true)),
    recovered_slaves: [],
  });
}

/** The body of `GET /master/state`. */
export function renderState(ctx: MasterContext): string {
  const info = ctx.masterInfo;
  const agents = [...ctx.state.agents.values()];
  const start = ctx.startTime;
  const state: Record<string, JsonValue | undefined> = {
    version: MESOS_VERSION,
    build_date: new Date(start * 1000).toISOString().slice(0, 19).replace("T", " "),
    build_time: double(Math.floor(start)),
    build_user: "",
    start_time: double(start),
    elected_time: ctx.electedTime === undefined ? undefined : double(ctx.electedTime),
    id: info.id,
    pid: info.pid,
    hostname: info.hostname,
    capabilities: MASTER_CAPABILITIES,
    activated_slaves: double(agents.filter((a) => a.connected).length),
    deactivated_slaves: double(agents.filter((a) => !a.connected).length),
    unreachable_slaves: double(ctx.state.unreachable.size),
    leader: info.pid,
    leader_info: { id: info.id, pid: info.pid, port: info.port, hostname: info.hostname },
    flags: flagsObject(ctx),
    slaves: agents.map((a) => agentObject(ctx, a)),
    recovered_slaves: [],
    frameworks: [...ctx.state.frameworks.values()].map((f) => frameworkObject(ctx, f)),
    completed_frameworks: ctx.state.completedFrameworks.map((f) => frameworkObject(ctx, f)),
    orphan_tasks: [],
    unregistered_frameworks: [],
  };
  return writeJson(state as JsonValue);
}

function flagsObject(ctx: MasterContext): JsonValue {
  const o = ctx.options;
  return {
    agent_ping_timeout: `${o.agentPingTimeoutMs}ms`,
    agent_reregister_timeout: `${o.agentReregisterTimeoutMs}ms`,
    authenticate_http_frameworks: String(o.authentication !== undefined),
    hostname: String(ctx.masterInfo.hostname),
    ip: String(ctx.masterInfo.address?.ip ?? ""),
    port: String(ctx.masterInfo.port),
    registry: "in_memory",
    root_submissions: "true",
    version: "false",
  };
}

/** The body of `GET /master/tasks?framework_id=&limit=&offset=`. */
export function renderTasks(
  ctx: MasterContext,
  query: { frameworkId?: string; limit?: number; offset?: number },
): string {
  const tasks: TaskRecord[] = [];
  for (const fw of ctx.state.frameworks.values()) {
    if (query.frameworkId !== undefined && fw.id !== query.frameworkId) continue;
    tasks.push(...fw.tasks.values(), ...fw.completedTasks);
  }
  const offset = query.offset ?? 0;
  const limit = query.limit ?? 100;
  const page = tasks.slice(offset, offset + limit);
  return writeJson({ tasks: page.map((t) => taskObject(ctx, t)) });
}
