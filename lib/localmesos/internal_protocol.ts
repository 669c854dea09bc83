/**
 * The local Mesos' private master <-> agent protocol. Real Mesos uses libprocess messages
 * here; ours is plain HTTP + JSON so that masters and agents can run in separate processes
 * (`--masters 0` runs agents only). Not part of any public API: only lib/localmesos uses it.
 *
 * Embedded Mesos messages (AgentInfo, TaskInfo, TaskStatus, ...) are carried as Mesos-style
 * JSON objects (see lib/mesos/json_encode.ts `toJsonText` and json_decode.ts
 * `fromJsonValue`), bytes as base64.
 * Every request is `POST` with `Content-Type: application/json`; answers are JSON with 200,
 * or plain text with 4xx/5xx.
 */

/** Served by the leading master, called by agents. */
export const MASTER_INTERNAL = {
  /** RegisterAgentRequest -> RegisterAgentResponse. Also used to re-register. */
  register: "/_local/agent/register",
  /** PingRequest -> {} ; 404 when the master does not know the agent (agent re-registers). */
  ping: "/_local/agent/ping",
  /** StatusUpdateRequest -> {} (the master acks later through AGENT_INTERNAL.acknowledge). */
  statusUpdate: "/_local/agent/status_update",
  /** ExecutorExitedRequest -> {} (the master sends the scheduler a FAILURE event). */
  executorExited: "/_local/agent/executor_exited",
  /** FrameworkMessageFromExecutor -> {} (the master sends the scheduler a MESSAGE event). */
  executorMessage: "/_local/agent/executor_message",
} as const;

/** Served by each agent, called by the master. */
export const AGENT_INTERNAL = {
  runTask: "/_local/master/run_task",
  killTask: "/_local/master/kill_task",
  shutdownExecutor: "/_local/master/shutdown_executor",
  frameworkMessage: "/_local/master/framework_message",
  shutdownFramework: "/_local/master/shutdown_framework",
  acknowledge: "/_local/master/acknowledge",
  /**
   * CheckpointResourcesRequest -> {} once the agent has written them to its work dir and
   * created (or deleted) the persistent volume directories they add (or drop).
   */
  checkpointResources: "/_local/master/checkpoint_resources",
} as const;

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

export interface RegisterAgentRequest {
  /** mesos.v1.AgentInfo as JSON (resources, attributes, hostname, port). */
  agent_info: Json;
  /** Base URL of the agent's HTTP server, e.g. `http://127.0.0.1:5051`. */
  agent_url: string;
  /** Set when re-registering (after a master failover or a ping answered 404). */
  agent_id?: string;
  /** Non-terminal tasks the agent runs: mesos.v1.Task JSON with the latest `statuses`. */
  tasks: Json[];
  /** FrameworkInfo JSON (with `id`) of every framework that has tasks on the agent. */
  frameworks: Json[];
  /**
   * The agent's checkpointed resources (dynamic reservations and persistent volumes,
   * mesos.v1.Resource JSON, post-refinement format), applied on top of `agent_info.resources`
   * as Mesos' `applyCheckpointedResources` does.
   */
  checkpointed_resources?: Json[];
}

export interface RegisterAgentResponse {
  agent_id: string;
  master_id: string;
}

export interface PingRequest {
  agent_id: string;
}

export interface StatusUpdateRequest {
  agent_id: string;
  framework_id: string;
  /** mesos.v1.TaskStatus JSON; carries `uuid` (base64 of 16 bytes) when reliable. */
  status: Json;
}

export interface ExecutorExitedRequest {
  agent_id: string;
  framework_id: string;
  executor_id: string;
  /** Raw wait status of the executor process (as FAILURE.status). */
  status: number;
}

export interface FrameworkMessageFromExecutor {
  agent_id: string;
  framework_id: string;
  executor_id: string;
  /** base64 */
  data: string;
}

export interface RunTaskRequest {
  /** FrameworkInfo JSON including `id`. */
  framework_info: Json;
  /** mesos.v1.TaskInfo JSON: with `executor` (custom executor) or `command`. */
  task: Json;
}

export interface KillTaskRequest {
  framework_id: string;
  task_id: string;
  /** mesos.v1.KillPolicy JSON */
  kill_policy?: Json;
}

export interface ShutdownExecutorRequest {
  framework_id: string;
  executor_id: string;
}

export interface FrameworkMessageRequest {
  framework_id: string;
  executor_id: string;
  /** base64 */
  data: string;
}

export interface ShutdownFrameworkRequest {
  framework_id: string;
}

/**
 * The agent's checkpointed resources after a RESERVE, UNRESERVE, CREATE or DESTROY (Mesos'
 * CheckpointResourcesMessage): the whole list, mesos.v1.Resource JSON, post-refinement
 * format, unallocated.
 */
export interface CheckpointResourcesRequest {
  resources: Json[];
}

export interface AcknowledgeRequest {
  framework_id: string;
  task_id: string;
  /** base64 of the 16-byte uuid of the acknowledged update */
  uuid: string;
}
