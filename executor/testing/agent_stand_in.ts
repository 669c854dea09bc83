/**
 * A tiny Mesos agent stand-in for executor integration tests: it serves the v1 executor
 * API (JSON) on 127.0.0.1, answers SUBSCRIBE with a RecordIO stream (SUBSCRIBED, then
 * LAUNCH of the given task), records UPDATEs and MESSAGEs, and answers every UPDATE with
 * ACKNOWLEDGED. Tests push further events (KILL, MESSAGE, SHUTDOWN) and can end the stream
 * to simulate a lost agent. Test support only.
 *
 * @module
 */
import { decodeMessage, encodeMessage } from "../../lib/mesos/encoding.ts";
import { encodeRecord } from "../../lib/mesos/recordio.ts";
import {
  type ScriptedServer,
  type ScriptedStream,
  startScriptedServer,
} from "../../lib/mesos/testing/scripted_server.ts";
import type { ExecutorEvent, TaskInfo, TaskStatus } from "../../lib/mesos/types.ts";
import { until, UntilTimeoutError } from "../../lib/until.ts";

const EVENT = "mesos.v1.executor.Event";
const CALL = "mesos.v1.executor.Call";

/** A running stand-in. */
export interface AgentStandIn {
  /** `MESOS_*` variables for an executor that should talk to this stand-in. */
  env(sandbox: string, extra?: Record<string, string>): Record<string, string>;
  /** Status updates received, oldest first. */
  readonly updates: TaskStatus[];
  /** MESSAGE payloads received, oldest first. */
  readonly messages: Uint8Array[];
  /** Pushes an event on the current subscription stream. */
  send(event: ExecutorEvent): void;
  /** Ends the subscription stream (the agent went away). */
  endStream(): void;
  /** Polls until `check` returns a value other than undefined/false. */
  waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

/** Starts a stand-in that launches `task` on the executor's first SUBSCRIBE. */
export async function startAgentStandIn(
  task: TaskInfo,
  ids = { frameworkId: "fw-0000", executorId: "etcd-exec-1", agentId: "fw-S0" },
): Promise<AgentStandIn> {
  const updates: TaskStatus[] = [];
  const messages: Uint8Array[] = [];
  let stream: ScriptedStream | undefined;
  let launched = false;
  const push = (event: ExecutorEvent) => {
    stream?.push(encodeRecord(encodeMessage(EVENT, event, "json")));
  };
  const server: ScriptedServer = await startScriptedServer((req, _i, srv) => {
    const call = decodeMessage(CALL, req.body, "json");
    if (call.type === "SUBSCRIBE") {
      stream = srv.stream(200, { "Content-Type": "application/json" });
      push({
        type: "SUBSCRIBED",
        subscribed: {
          executor_info: {
            executor_id: { value: ids.executorId },
            framework_id: { value: ids.frameworkId },
          },
          framework_info: { user: "u", name: "etcd", id: { value: ids.frameworkId } },
          agent_info: { hostname: "127.0.0.1", id: { value: ids.agentId } },
          container_id: { value: "c1" },
        },
      });
      if (!launched) {
        launched = true;
        push({ type: "LAUNCH", launch: { task } });
      }
      return stream.response;
    }
    if (call.type === "UPDATE") {
      const status = call.update.status as TaskStatus;
      updates.push(status);
      queueMicrotask(() =>
        push({
          type: "ACKNOWLEDGED",
          acknowledged: { task_id: status.task_id, uuid: status.uuid! },
        })
      );
    } else if (call.type === "MESSAGE") {
      messages.push(call.message.data);
    }
    return new Response(null, { status: 202, headers: { "Content-Length": "0" } });
  });
  return {
    env: (sandbox, extra = {}) => ({
      MESOS_FRAMEWORK_ID: ids.frameworkId,
      MESOS_EXECUTOR_ID: ids.executorId,
      MESOS_AGENT_ENDPOINT: `127.0.0.1:${server.port}`,
      MESOS_SLAVE_ID: ids.agentId,
      MESOS_DIRECTORY: sandbox,
      MESOS_SANDBOX: sandbox,
      MESOS_CHECKPOINT: "0",
      MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: "5secs",
      ...extra,
    }),
    updates,
    messages,
    send: push,
    endStream: () => stream?.end(),
    async waitFor(what, check, timeoutMs = 20_000) {
      try {
        return await until(check, { timeoutMs, what, intervalMs: 20, stopOn: () => true });
      } catch (e) {
        if (!(e instanceof UntilTimeoutError)) throw e;
        const seen = updates.map((u) => u.state).join(", ");
        throw new Error(`${e.message}; updates so far: [${seen}]`);
      }
    },
    close: () => server.close(),
  };
}
