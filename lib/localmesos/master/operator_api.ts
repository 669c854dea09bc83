/**
 * The operator API `POST /api/v1` (`mesos.v1.master.Call`): GET_STATE, GET_FRAMEWORKS,
 * GET_TASKS and GET_AGENTS answered synchronously in JSON or protobuf, and SUBSCRIBE, a
 * RecordIO stream of SUBSCRIBED (with a GetState snapshot), TASK_ADDED, TASK_UPDATED,
 * AGENT_ADDED, AGENT_REMOVED and HEARTBEAT events.
 *
 * @module
 */
import { CodecError } from "../../mesos/codec_errors.ts";
import { decodeMessage, encodeMessage } from "../../mesos/encoding.ts";
import type { Plain } from "../../mesos/plain.ts";
import {
  messageResponse,
  methodNotAllowed,
  notAcceptable,
  readBody,
  requestEncoding,
  responseEncoding,
  textResponse,
} from "../http_util.ts";
import type { MasterContext } from "./context.ts";
import { EventStream } from "./event_stream.ts";
import type { AgentRecord, FrameworkRecord } from "./state.ts";
import { secondsToNanos } from "./statuses.ts";
import { MESOS_VERSION } from "./master_info.ts";
import { taskMessage } from "./task_view.ts";

const CALL = "mesos.v1.master.Call";
const RESPONSE = "mesos.v1.master.Response";

function time(seconds: number): Plain {
  return { nanoseconds: secondsToNanos(seconds) };
}

function frameworkMessage(ctx: MasterContext, fw: FrameworkRecord): Plain {
  const out: Plain = {
    framework_info: fw.info,
    active: fw.active,
    connected: fw.connected,
    recovered: fw.recovered,
    registered_time: time(fw.registeredTime),
  };
  if (fw.reregisteredTime !== undefined) out.reregistered_time = time(fw.reregisteredTime);
  if (fw.unregisteredTime !== undefined) out.unregistered_time = time(fw.unregisteredTime);
  out.offers = ctx.state.offersOfFramework(fw.id).map((o) => o.offer);
  out.allocated_resources = ctx.state.usedByFramework(fw.id);
  out.offered_resources = ctx.state.offeredToFramework(fw.id);
  return out;
}

function agentMessage(ctx: MasterContext, agent: AgentRecord): Plain {
  const out: Plain = {
    agent_info: agent.info,
    active: agent.connected,
    version: MESOS_VERSION,
    pid: `slave(1)@${agent.ip}:${agent.port}`,
    registered_time: time(agent.registeredTime),
  };
  if (agent.reregisteredTime !== undefined) out.reregistered_time = time(agent.reregisteredTime);
  out.total_resources = agent.total;
  out.allocated_resources = ctx.state.usedOnAgent(agent.id);
  out.offered_resources = ctx.state.offeredOnAgent(agent.id);
  return out;
}

/** `Response.GetTasks`. */
export function getTasks(ctx: MasterContext): Plain {
  const frameworks = [...ctx.state.frameworks.values()];
  return {
    tasks: frameworks.flatMap((f) => [...f.tasks.values()].map(taskMessage)),
    completed_tasks: frameworks.flatMap((f) => f.completedTasks.map(taskMessage)),
  };
}

/** `Response.GetFrameworks`. */
export function getFrameworks(ctx: MasterContext): Plain {
  return {
    frameworks: [...ctx.state.frameworks.values()].map((f) => frameworkMessage(ctx, f)),
    completed_frameworks: ctx.state.completedFrameworks.map((f) => frameworkMessage(ctx, f)),
  };
}

/** `Response.GetAgents`. */
export function getAgents(ctx: MasterContext): Plain {
  return { agents: [...ctx.state.agents.values()].map((a) => agentMessage(ctx, a)) };
}

/** `Response.GetState`. */
export function getState(ctx: MasterContext): Plain {
  const executors: Plain[] = [];
  for (const agent of ctx.state.agents.values()) {
    for (const e of agent.executors.values()) {
      executors.push({ executor_info: e.info, agent_id: { value: agent.id } });
    }
  }
  return {
    get_tasks: getTasks(ctx),
    get_executors: { executors },
    get_frameworks: getFrameworks(ctx),
    get_agents: getAgents(ctx),
  };
}

/** Handles one operator API request on the leading master. */
export async function handleOperatorRequest(ctx: MasterContext, req: Request): Promise<Response> {
  if (req.method !== "POST") {
    await req.body?.cancel();
    return methodNotAllowed(req.method);
  }
  const encoding = requestEncoding(req);
  if (encoding instanceof Response) {
    await req.body?.cancel();
    return encoding;
  }
  let call: Plain;
  try {
    call = decodeMessage(CALL, await readBody(req), encoding);
  } catch (e) {
    const msg = (e as Error).message;
    if (encoding === "protobuf") {
      return textResponse(400, "Failed to parse body into Call protobuf");
    }
    if (e instanceof CodecError && !msg.startsWith("Failed to parse body into JSON")) {
      return textResponse(400, `Failed to convert JSON into Call protobuf: ${msg}`);
    }
    return textResponse(400, msg);
  }
  if (call.type === undefined) {
    return textResponse(400, "Failed to validate master::Call: Expecting 'type' to be present");
  }
  const out = responseEncoding(req);
  if (out === undefined) return notAcceptable();
  const reply = (response: Plain) => messageResponse(encodeMessage(RESPONSE, response, out), out);
  switch (call.type) {
    case "GET_STATE":
      return reply({ type: "GET_STATE", get_state: getState(ctx) });
    case "GET_FRAMEWORKS":
      return reply({ type: "GET_FRAMEWORKS", get_frameworks: getFrameworks(ctx) });
    case "GET_TASKS":
      return reply({ type: "GET_TASKS", get_tasks: getTasks(ctx) });
    case "GET_AGENTS":
      return reply({ type: "GET_AGENTS", get_agents: getAgents(ctx) });
    case "SUBSCRIBE":
      return subscribeOperator(ctx, out);
    default:
      return new Response(null, { status: 501, headers: { "Content-Length": "0" } });
  }
}

function subscribeOperator(ctx: MasterContext, encoding: "json" | "protobuf"): Response {
  const stream = new EventStream({
    typeName: "mesos.v1.master.Event",
    encoding,
    clock: ctx.clock,
    heartbeatSeconds: ctx.options.heartbeatSeconds,
  });
  stream.send({
    type: "SUBSCRIBED",
    subscribed: {
      get_state: getState(ctx),
      heartbeat_interval_seconds: ctx.options.heartbeatSeconds,
    },
  });
  stream.startHeartbeats();
  ctx.operatorStreams.add(stream);
  stream.closed.then(() => ctx.operatorStreams.delete(stream));
  return stream.response();
}
