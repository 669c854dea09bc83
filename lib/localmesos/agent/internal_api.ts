/**
 * The agent's side of the private master -> agent protocol (internal_protocol.ts):
 * `/_local/master/*` JSON calls, answered `200 {}` or plain-text 4xx/5xx.
 *
 * @module
 */
import { base64ToBytes } from "../../mesos/base64.ts";
import { CodecError } from "../../mesos/codec_errors.ts";
import { fromJsonValue } from "../../mesos/json_decode.ts";
import type { Plain } from "../../mesos/plain.ts";
import { missingRequiredFields } from "../../mesos/required_fields.ts";
import { jsonResponse, methodNotAllowed, textResponse } from "../http_util.ts";
import { AGENT_INTERNAL } from "../internal_protocol.ts";
import type { ExecutorSupervisor } from "./supervisor.ts";

const PATHS = new Set<string>(Object.values(AGENT_INTERNAL));

/** True when `path` is one of the agent's internal endpoints. */
export function isInternalPath(path: string): boolean {
  return PATHS.has(path);
}

/** What the internal API needs from the agent. */
export interface InternalApiTarget {
  supervisor: ExecutorSupervisor;
  /** False while partitioned: the master's calls are refused. */
  reachable: () => boolean;
  /** Makes `resources` (mesos.v1.Resource) the agent's checkpointed resources. */
  checkpointResources: (resources: Plain[]) => Promise<void>;
}

/** Answers one master -> agent call. */
export async function handleInternalApi(
  req: Request,
  target: InternalApiTarget,
): Promise<Response> {
  if (req.method !== "POST") {
    await req.body?.cancel();
    return methodNotAllowed(req.method);
  }
  const path = new URL(req.url).pathname;
  let body: Plain;
  try {
    body = await req.json();
  } catch (e) {
    return textResponse(400, `Failed to parse body into JSON: ${(e as Error).message}`);
  }
  if (!target.reachable()) return textResponse(503, "Agent is not connected to this master");
  const sup = target.supervisor;
  try {
    switch (path) {
      case AGENT_INTERNAL.runTask:
        sup.runTask(
          message("mesos.v1.FrameworkInfo", body.framework_info),
          message("mesos.v1.TaskInfo", body.task),
        );
        break;
      case AGENT_INTERNAL.killTask:
        sup.killTask(
          str(body, "framework_id"),
          str(body, "task_id"),
          body.kill_policy === undefined
            ? undefined
            : fromJsonValue("mesos.v1.KillPolicy", body.kill_policy),
        );
        break;
      case AGENT_INTERNAL.shutdownExecutor:
        sup.shutdownExecutor(str(body, "framework_id"), str(body, "executor_id"));
        break;
      case AGENT_INTERNAL.shutdownFramework:
        sup.shutdownFramework(str(body, "framework_id"));
        break;
      case AGENT_INTERNAL.frameworkMessage:
        sup.frameworkMessage(
          str(body, "framework_id"),
          str(body, "executor_id"),
          base64ToBytes(str(body, "data"), "data"),
        );
        break;
      case AGENT_INTERNAL.checkpointResources: {
        if (!Array.isArray(body.resources)) {
          throw new TypeError(
            `Expected an array "resources", got ${JSON.stringify(body.resources)}`,
          );
        }
        await target.checkpointResources(
          body.resources.map((r: unknown) => message("mesos.v1.Resource", r)),
        );
        break;
      }
      case AGENT_INTERNAL.acknowledge:
        sup.acknowledge(str(body, "framework_id"), str(body, "task_id"), str(body, "uuid"));
        break;
      default:
        return textResponse(404, `No internal endpoint ${path}`);
    }
  } catch (e) {
    if (e instanceof TypeError || e instanceof CodecError) return textResponse(400, e.message);
    throw e;
  }
  return jsonResponse("{}");
}

function message(typeName: string, json: unknown): Plain {
  if (json === undefined) throw new TypeError(`Missing ${typeName}`);
  const value = fromJsonValue(typeName, json);
  const missing = missingRequiredFields(typeName, value);
  if (missing.length > 0) {
    throw new TypeError(`${typeName} lacks required fields: ${missing.join(", ")}`);
  }
  return value;
}

function str(body: Plain, key: string): string {
  const v = body[key];
  if (typeof v !== "string" || v === "") {
    throw new TypeError(`Expected a non-empty string "${key}", got ${JSON.stringify(v)}`);
  }
  return v;
}
