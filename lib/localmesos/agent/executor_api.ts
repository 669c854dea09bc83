/**
 * `POST /api/v1/executor` (alias `/slave(1)/api/v1/executor`) of the local agent, with a
 * real Mesos 1.12 agent's status codes and texts (protocol doc §3, `executor-errors.txt`).
 *
 * @module
 */
import type { Logger } from "../../log.ts";
import { encodeMessage, type Encoding } from "../../mesos/encoding.ts";
import type { Plain } from "../../mesos/plain.ts";
import {
  accepted,
  notAcceptable,
  RecordIOStream,
  responseEncoding,
  streamResponse,
  textResponse,
} from "../http_util.ts";
import { readExecutorCall } from "./executor_call.ts";
import type { ExecutorConnection } from "./model.ts";
import type { ExecutorSupervisor } from "./supervisor.ts";

/** Type name of executor events. */
export const EXECUTOR_EVENT = "mesos.v1.executor.Event";

/** Answers one executor API request. */
export async function handleExecutorApi(
  req: Request,
  supervisor: ExecutorSupervisor,
  logger: Logger,
): Promise<Response> {
  const parsed = await readExecutorCall(req);
  if (parsed instanceof Response) return parsed;
  const { call } = parsed;
  let streamEncoding: Encoding | undefined;
  if (call.type === "SUBSCRIBE") {
    streamEncoding = responseEncoding(req);
    if (streamEncoding === undefined) return notAcceptable();
  }
  const entry = supervisor.lookup(call.framework_id.value, call.executor_id.value);
  if (typeof entry === "string") return textResponse(400, entry);
  const subscribed = entry.state !== "LAUNCHING" && entry.state !== "REGISTERING";
  if (call.type !== "SUBSCRIBE" && !subscribed) {
    return textResponse(403, "Executor is not subscribed");
  }
  switch (call.type) {
    case "SUBSCRIBE": {
      const stream = new RecordIOStream();
      const connection = executorConnection(stream, streamEncoding!, logger);
      supervisor.subscribe(entry, call.subscribe, connection);
      stream.closed.then(() => supervisor.disconnected(entry, connection));
      return streamResponse(stream, streamEncoding!);
    }
    case "UPDATE":
      supervisor.update(entry, call.update.status);
      return accepted();
    case "MESSAGE":
      supervisor.message(entry, call.message.data);
      return accepted();
    case "HEARTBEAT":
      return accepted();
    default:
      return textResponse(501, `Unsupported call type ${call.type}`);
  }
}

function executorConnection(
  stream: RecordIOStream,
  encoding: Encoding,
  logger: Logger,
): ExecutorConnection {
  return {
    send(event: Plain): boolean {
      let bytes: Uint8Array;
      try {
        bytes = encodeMessage(EXECUTOR_EVENT, event, encoding);
      } catch (e) {
        logger.error("cannot encode executor event", { type: event.type, error: e });
        return false;
      }
      return stream.send(bytes);
    },
    close: () => stream.close(),
  };
}
