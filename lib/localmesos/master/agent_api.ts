/**
 * The master's internal endpoints for agents (internal_protocol.ts `MASTER_INTERNAL`):
 * JSON in, JSON `200` out, plain-text 4xx on bad input; a ping from an unknown agent is
 * `404` so that the agent re-registers.
 *
 * @module
 */
import {
  type ExecutorExitedRequest,
  type FrameworkMessageFromExecutor,
  MASTER_INTERNAL,
  type PingRequest,
  type RegisterAgentRequest,
  type StatusUpdateRequest,
} from "../internal_protocol.ts";
import { jsonResponse, methodNotAllowed, textResponse } from "../http_util.ts";
import { executorExited, executorMessage, ping, statusUpdate } from "./agent_ops.ts";
import { registerAgent } from "./agent_registration.ts";
import type { MasterContext } from "./context.ts";

const PATHS: ReadonlySet<string> = new Set(Object.values(MASTER_INTERNAL));

/** True when `path` is one of the internal agent endpoints. */
export function isAgentApiPath(path: string): boolean {
  return PATHS.has(path);
}

/** Handles one internal agent request (the master is the leader). */
export async function handleAgentRequest(
  ctx: MasterContext,
  req: Request,
  path: string,
): Promise<Response> {
  if (req.method !== "POST") {
    await req.body?.cancel();
    return methodNotAllowed(req.method);
  }
  let body: unknown;
  try {
    body = await req.json();
  } catch (e) {
    return textResponse(400, `Failed to parse body into JSON: ${(e as Error).message}`);
  }
  if (typeof body !== "object" || body === null) {
    return textResponse(400, `Expecting a JSON object, got ${JSON.stringify(body)}`);
  }
  try {
    switch (path) {
      case MASTER_INTERNAL.register:
        return jsonResponse(JSON.stringify(registerAgent(ctx, body as RegisterAgentRequest)));
      case MASTER_INTERNAL.ping:
        return ping(ctx, (body as PingRequest).agent_id)
          ? jsonResponse("{}")
          : textResponse(404, `Agent ${(body as PingRequest).agent_id} is not registered`);
      case MASTER_INTERNAL.statusUpdate:
        statusUpdate(ctx, body as StatusUpdateRequest);
        return jsonResponse("{}");
      case MASTER_INTERNAL.executorExited:
        executorExited(ctx, body as ExecutorExitedRequest);
        return jsonResponse("{}");
      case MASTER_INTERNAL.executorMessage:
        executorMessage(ctx, body as FrameworkMessageFromExecutor);
        return jsonResponse("{}");
    }
  } catch (e) {
    ctx.logger.warn("bad internal agent request", { path, error: (e as Error).message });
    return textResponse(400, (e as Error).message);
  }
  return textResponse(404, `No internal endpoint ${path}`);
}
