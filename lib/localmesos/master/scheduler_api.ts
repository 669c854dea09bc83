/**
 * `POST /api/v1/scheduler` (also `/master/api/v1/scheduler`) on the leading master, with
 * the status codes, messages and check order of a Mesos 1.12 master: 405, 400/415
 * Content-Type, 400 parse/validation, 406 and 400 stream-id for SUBSCRIBE, 200 stream,
 * 400 unknown framework, 403 not subscribed, 400 stream-id, 202, 501 for UNKNOWN.
 * Authentication and leader redirection happen before (master.ts).
 *
 * @module
 */
import type { Plain } from "../../mesos/plain.ts";
import {
  accepted,
  methodNotAllowed,
  notAcceptable,
  readBody,
  requestEncoding,
  responseEncoding,
  textResponse,
} from "../http_util.ts";
import { accept } from "./accept_ops.ts";
import { callValidationError, parseCall } from "./call_validation.ts";
import type { MasterContext } from "./context.ts";
import { removeFramework, subscribe } from "./framework_ops.ts";
import { decline, revive, suppress } from "./offer_ops.ts";
import { acknowledge, kill, message, reconcile, shutdown } from "./task_ops.ts";
import type { FrameworkRecord } from "./state.ts";

/** Header carrying the subscription's stream id. */
export const STREAM_ID_HEADER = "Mesos-Stream-Id";

/**
 * Handles one scheduler API request. `principal` is the authenticated principal when
 * authentication is on.
 */
export async function handleSchedulerRequest(
  ctx: MasterContext,
  req: Request,
  options: { principal?: string; newStreamId?: () => string } = {},
): Promise<Response> {
  if (req.method !== "POST") {
    await req.body?.cancel();
    return methodNotAllowed(req.method);
  }
  const encoding = requestEncoding(req);
  if (encoding instanceof Response) {
    await req.body?.cancel();
    return encoding;
  }
  const parsed = parseCall(await readBody(req), encoding);
  if ("error" in parsed) return textResponse(400, parsed.error);
  const call = parsed.call;
  const invalid = callValidationError(call);
  if (invalid !== undefined) return textResponse(400, invalid);

  if (call.type === "SUBSCRIBE") {
    const streamEncoding = responseEncoding(req);
    if (streamEncoding === undefined) return notAcceptable();
    if (req.headers.has(STREAM_ID_HEADER)) {
      return textResponse(400, "Subscribe calls should not include the 'Mesos-Stream-Id' header");
    }
    const infoPrincipal: string = call.subscribe.framework_info.principal ?? "";
    if (options.principal !== undefined && infoPrincipal !== options.principal) {
      return textResponse(
        400,
        `Authenticated principal '${options.principal}' does not match principal ` +
          `'${infoPrincipal}' set in \`FrameworkInfo\``,
      );
    }
    const streamId = (options.newStreamId ?? (() => crypto.randomUUID()))();
    return subscribe(ctx, call, streamEncoding, streamId);
  }

  const fw = ctx.state.frameworks.get(call.framework_id.value);
  if (fw === undefined) return textResponse(400, "Framework cannot be found");
  if (!fw.connected) return textResponse(403, "Framework is not subscribed");
  const streamId = req.headers.get(STREAM_ID_HEADER);
  if (streamId === null) {
    return textResponse(400, "All non-subscribe calls should include the 'Mesos-Stream-Id' header");
  }
  if (streamId !== fw.streamId) {
    return textResponse(
      400,
      `The stream ID '${streamId}' included in this request didn't match the stream ID ` +
        `currently associated with framework ID ${fw.id}`,
    );
  }
  return dispatch(ctx, fw, call);
}

function dispatch(ctx: MasterContext, fw: FrameworkRecord, call: Plain): Response {
  switch (call.type) {
    case "TEARDOWN":
      removeFramework(ctx, fw);
      break;
    case "ACCEPT":
      accept(ctx, fw, call.accept);
      break;
    case "DECLINE":
      decline(ctx, fw, call.decline);
      break;
    case "REVIVE":
      revive(ctx, fw);
      break;
    case "SUPPRESS":
      suppress(ctx, fw);
      break;
    case "KILL":
      kill(ctx, fw, call.kill);
      break;
    case "SHUTDOWN":
      shutdown(ctx, fw, call.shutdown);
      break;
    case "ACKNOWLEDGE":
      acknowledge(ctx, fw, call.acknowledge);
      break;
    case "RECONCILE":
      reconcile(ctx, fw, call.reconcile);
      break;
    case "MESSAGE":
      message(ctx, fw, call.message);
      break;
    case "UNKNOWN":
      return new Response(null, { status: 501, headers: { "Content-Length": "0" } });
    default:
      // REQUEST, inverse offers and operation calls: accepted and ignored.
      ctx.logger.debug("ignoring scheduler call", { type: call.type, framework_id: fw.id });
  }
  return accepted();
}
