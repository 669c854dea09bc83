/**
 * Reading and validating `mesos.v1.executor.Call` requests the way a Mesos 1.12 agent does,
 * with its exact error texts (transcript `executor-errors.txt`).
 *
 * @module
 */
import { CodecError } from "../../mesos/codec_errors.ts";
import { decodeMessage, type Encoding } from "../../mesos/encoding.ts";
import { fromJsonValue } from "../../mesos/json_decode.ts";
import type { Plain } from "../../mesos/plain.ts";
import { missingRequiredFields } from "../../mesos/required_fields.ts";
import { parseLosslessJson } from "../../mesos/json_lossless.ts";
import { methodNotAllowed, readBody, requestEncoding, textResponse } from "../http_util.ts";

/** Type name of executor calls. */
export const EXECUTOR_CALL = "mesos.v1.executor.Call";

/** A parsed call and the encoding it came in. */
export interface ExecutorCallRequest {
  call: Plain;
  encoding: Encoding;
}

/**
 * Reads `req` as an executor call: 405 for non-POST, 400/415 for Content-Type, 400 for an
 * unparsable body or a call that fails validation. Returns the call or the error response.
 */
export async function readExecutorCall(req: Request): Promise<ExecutorCallRequest | Response> {
  if (req.method !== "POST") {
    await req.body?.cancel();
    return methodNotAllowed(req.method);
  }
  const encoding = requestEncoding(req);
  if (encoding instanceof Response) {
    await req.body?.cancel();
    return encoding;
  }
  const body = await readBody(req);
  let call: Plain;
  if (encoding === "protobuf") {
    try {
      call = decodeMessage(EXECUTOR_CALL, body, "protobuf");
    } catch {
      return textResponse(400, "Failed to parse body into Call protobuf");
    }
  } else {
    let json: unknown;
    try {
      json = parseLosslessJson(new TextDecoder().decode(body));
    } catch (e) {
      return textResponse(400, `Failed to parse body into JSON: ${(e as Error).message}`);
    }
    try {
      call = fromJsonValue(EXECUTOR_CALL, json);
    } catch (e) {
      const msg = e instanceof CodecError ? e.message : String(e);
      return textResponse(400, `Failed to convert JSON into Call protobuf: ${msg}`);
    }
    const missing = missingRequiredFields(EXECUTOR_CALL, call);
    if (missing.length > 0) {
      return textResponse(
        400,
        `Failed to convert JSON into Call protobuf: Missing required fields: ${missing.join(", ")}`,
      );
    }
  }
  const error = validateExecutorCall(call);
  if (error !== undefined) {
    return textResponse(400, `Failed to validate Executor::Call: ${error}`);
  }
  return { call, encoding };
}

/**
 * Mesos' `validateExecutorCall`: the reason a well-formed call is invalid, or `undefined`.
 */
export function validateExecutorCall(call: Plain): string | undefined {
  if (call.type === undefined) return "Expecting 'type' to be present";
  const executorId = call.executor_id?.value;
  const frameworkId = call.framework_id?.value;
  switch (call.type) {
    case "SUBSCRIBE":
      return call.subscribe === undefined ? "Expecting 'subscribe' to be present" : undefined;
    case "UPDATE": {
      if (call.update === undefined) return "Expecting 'update' to be present";
      const status = call.update.status as Plain;
      if (status.uuid === undefined) return "Expecting 'uuid' to be present";
      if (!(status.uuid instanceof Uint8Array) || status.uuid.length !== 16) {
        return "Not a valid UUID";
      }
      if (status.executor_id !== undefined && status.executor_id.value !== executorId) {
        return `ExecutorID in Call: ${executorId} does not match ExecutorID in TaskStatus: ${status.executor_id.value}`;
      }
      if ((status.source ?? "SOURCE_MASTER") !== "SOURCE_EXECUTOR") {
        return `Received Call from executor ${executorId} of framework ${frameworkId} with invalid source, expecting 'SOURCE_EXECUTOR'`;
      }
      if (status.state === "TASK_STAGING") {
        return `Received TASK_STAGING from executor ${executorId} of framework ${frameworkId} which is not allowed`;
      }
      return undefined;
    }
    case "MESSAGE":
      return call.message === undefined ? "Expecting 'message' to be present" : undefined;
    default:
      return undefined;
  }
}
