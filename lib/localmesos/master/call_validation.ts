/**
 * Parsing and validation of `mesos.v1.scheduler.Call` bodies with the exact 400 messages
 * of a Mesos 1.12 master ("Failed to parse body into JSON: …", "Failed to convert JSON
 * into Call protobuf: …", "Failed to validate scheduler::Call: …"). Pure.
 *
 * @module
 */
import { CodecError } from "../../mesos/codec_errors.ts";
import { decodeMessage, type Encoding } from "../../mesos/encoding.ts";
import { fromJsonText } from "../../mesos/json_decode.ts";
import type { Plain } from "../../mesos/plain.ts";

const CALL = "mesos.v1.scheduler.Call";
const JSON_PARSE_PREFIX = "Failed to parse body into JSON: ";

/** A parsed call, or the message of the 400 to answer. */
export type ParsedCall = { call: Plain } | { error: string };

/** Decodes a request body in `encoding` into a Call. */
export function parseCall(body: Uint8Array, encoding: Encoding): ParsedCall {
  if (encoding === "protobuf") {
    try {
      return { call: decodeMessage(CALL, body, "protobuf") };
    } catch {
      return { error: "Failed to parse body into Call protobuf" };
    }
  }
  try {
    return { call: fromJsonText(CALL, new TextDecoder().decode(body)) };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (!(e instanceof CodecError)) return { error: `${JSON_PARSE_PREFIX}${message}` };
    if (message.startsWith(JSON_PARSE_PREFIX)) return { error: message };
    return { error: `Failed to convert JSON into Call protobuf: ${message}` };
  }
}

/** Sub-message each call type requires (Mesos' `validation::scheduler::call::validate`). */
const REQUIRED_FIELD: Record<string, string> = {
  SUBSCRIBE: "subscribe",
  ACCEPT: "accept",
  DECLINE: "decline",
  KILL: "kill",
  SHUTDOWN: "shutdown",
  ACKNOWLEDGE: "acknowledge",
  ACKNOWLEDGE_OPERATION_STATUS: "acknowledge_operation_status",
  RECONCILE: "reconcile",
  MESSAGE: "message",
  REQUEST: "request",
  UPDATE_FRAMEWORK: "update_framework",
};

/**
 * Validates a parsed call; returns the full 400 message ("Failed to validate
 * scheduler::Call: …") or undefined when valid.
 */
export function callValidationError(call: Plain): string | undefined {
  const reason = validate(call);
  return reason === undefined ? undefined : `Failed to validate scheduler::Call: ${reason}`;
}

function validate(call: Plain): string | undefined {
  const type: string | undefined = call.type;
  if (type === undefined) return "Expecting 'type' to be present";
  const field = REQUIRED_FIELD[type];
  if (field !== undefined && call[field] === undefined) {
    return `Expecting '${field}' to be present`;
  }
  if (type === "SUBSCRIBE") {
    // Both ids must be equal (or both absent), as Mesos compares the two FrameworkIDs.
    const infoId: string = call.subscribe.framework_info?.id?.value ?? "";
    const callId: string = call.framework_id?.value ?? "";
    if (callId !== infoId) {
      return "'framework_id' differs from 'subscribe.framework_info.id'";
    }
    return undefined;
  }
  if (call.framework_id === undefined) return "Expecting 'framework_id' to be present";
  if (type === "ACKNOWLEDGE") {
    const uuid = call.acknowledge.uuid;
    if (!(uuid instanceof Uint8Array) || uuid.length !== 16) return "Not a valid UUID";
  }
  if (type === "ACKNOWLEDGE_OPERATION_STATUS") {
    const uuid = call.acknowledge_operation_status.uuid;
    if (!(uuid instanceof Uint8Array) || uuid.length !== 16) return "Not a valid UUID";
    if (call.acknowledge_operation_status.agent_id === undefined) {
      return "Expecting 'agent_id' to be present";
    }
  }
  return undefined;
}
