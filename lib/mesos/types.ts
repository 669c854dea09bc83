/**
 * TypeScript shapes of the Mesos messages the project handles, in the codec's in-memory
 * form (see plain.ts): snake_case keys, enums as names, bytes as Uint8Array, int64 as
 * number | bigint. Only the fields we read or write are listed; the codec carries the rest.
 */

export interface Id {
  value: string;
}
export type FrameworkID = Id;
export type AgentID = Id;
export type TaskID = Id;
export type ExecutorID = Id;
export type OfferID = Id;

export type TaskState =
  | "TASK_STAGING"
  | "TASK_STARTING"
  | "TASK_RUNNING"
  | "TASK_KILLING"
  | "TASK_FINISHED"
  | "TASK_FAILED"
  | "TASK_KILLED"
  | "TASK_ERROR"
  | "TASK_LOST"
  | "TASK_DROPPED"
  | "TASK_UNREACHABLE"
  | "TASK_GONE"
  | "TASK_GONE_BY_OPERATOR"
  | "TASK_UNKNOWN";

/** States after which a task never runs again. */
export const TERMINAL_TASK_STATES: ReadonlySet<TaskState> = new Set<TaskState>([
  "TASK_FINISHED",
  "TASK_FAILED",
  "TASK_KILLED",
  "TASK_ERROR",
  "TASK_LOST",
  "TASK_DROPPED",
  "TASK_GONE",
  "TASK_GONE_BY_OPERATOR",
]);

/** True when `state` is terminal. */
export function isTerminal(state: TaskState): boolean {
  return TERMINAL_TASK_STATES.has(state);
}

export type StatusSource = "SOURCE_MASTER" | "SOURCE_AGENT" | "SOURCE_EXECUTOR";

export interface Label {
  key: string;
  value?: string;
}
export interface Labels {
  labels?: Label[];
}

export interface Range {
  begin: number;
  end: number;
}

/** `Resource.ReservationInfo`: one entry of the `reservations` stack (or the old `reservation`). */
export interface ReservationInfo {
  type?: "UNKNOWN" | "STATIC" | "DYNAMIC";
  role?: string;
  principal?: string;
  labels?: Labels;
}

/** `Resource.DiskInfo`: a persistent volume (`persistence` + `volume`) and/or a disk source. */
export interface DiskInfo {
  persistence?: { id: string; principal?: string };
  volume?: { mode: "RW" | "RO"; container_path: string; host_path?: string };
  source?: {
    type: "UNKNOWN" | "PATH" | "MOUNT" | "BLOCK" | "RAW";
    path?: { root?: string };
    mount?: { root?: string };
    id?: string;
    metadata?: Labels;
    profile?: string;
  };
}

export interface Resource {
  provider_id?: Id;
  name: string;
  type: "SCALAR" | "RANGES" | "SET" | "TEXT";
  scalar?: { value: number };
  ranges?: { range?: Range[] };
  set?: { item?: string[] };
  role?: string;
  allocation_info?: { role?: string };
  reservation?: ReservationInfo;
  reservations?: ReservationInfo[];
  disk?: DiskInfo;
  revocable?: Record<string, never>;
  shared?: Record<string, never>;
}

export interface Attribute {
  name: string;
  type: "SCALAR" | "RANGES" | "SET" | "TEXT";
  scalar?: { value: number };
  ranges?: { range?: Range[] };
  set?: { item?: string[] };
  text?: { value: string };
}

export interface Address {
  hostname?: string;
  ip?: string;
  port: number;
}

export interface MasterInfo {
  id: string;
  ip: number;
  port: number;
  pid?: string;
  hostname?: string;
  version?: string;
  address?: Address;
}

export interface AgentInfo {
  hostname: string;
  port?: number;
  resources?: Resource[];
  attributes?: Attribute[];
  id?: AgentID;
}

export type FrameworkCapability =
  | "REVOCABLE_RESOURCES"
  | "TASK_KILLING_STATE"
  | "GPU_RESOURCES"
  | "SHARED_RESOURCES"
  | "PARTITION_AWARE"
  | "MULTI_ROLE"
  | "RESERVATION_REFINEMENT"
  | "REGION_AWARE";

export interface FrameworkInfo {
  user: string;
  name: string;
  id?: FrameworkID;
  failover_timeout?: number;
  checkpoint?: boolean;
  role?: string;
  roles?: string[];
  hostname?: string;
  principal?: string;
  webui_url?: string;
  capabilities?: { type: FrameworkCapability }[];
  labels?: Labels;
}

export interface Offer {
  id: OfferID;
  framework_id: FrameworkID;
  agent_id: AgentID;
  hostname: string;
  url?: { scheme: string; address: Address; path?: string };
  resources?: Resource[];
  attributes?: Attribute[];
  executor_ids?: ExecutorID[];
}

export interface Environment {
  variables?: { name: string; value?: string }[];
}

export interface CommandURI {
  value: string;
  executable?: boolean;
  extract?: boolean;
  cache?: boolean;
  output_file?: string;
}

export interface CommandInfo {
  uris?: CommandURI[];
  environment?: Environment;
  shell?: boolean;
  value?: string;
  arguments?: string[];
  user?: string;
}

export interface ExecutorInfo {
  type?: "UNKNOWN" | "DEFAULT" | "CUSTOM";
  executor_id: ExecutorID;
  framework_id?: FrameworkID;
  command?: CommandInfo;
  resources?: Resource[];
  name?: string;
  data?: Uint8Array;
  shutdown_grace_period?: { nanoseconds: number | bigint };
  labels?: Labels;
}

export interface DiscoveryPort {
  number: number;
  name?: string;
  protocol?: string;
}

export interface DiscoveryInfo {
  visibility: "FRAMEWORK" | "CLUSTER" | "EXTERNAL";
  name?: string;
  ports?: { ports?: DiscoveryPort[] };
  labels?: Labels;
}

export interface KillPolicy {
  grace_period?: { nanoseconds: number | bigint };
}

export interface TaskInfo {
  name: string;
  task_id: TaskID;
  agent_id: AgentID;
  resources?: Resource[];
  executor?: ExecutorInfo;
  command?: CommandInfo;
  kill_policy?: KillPolicy;
  data?: Uint8Array;
  labels?: Labels;
  discovery?: DiscoveryInfo;
}

export interface TaskStatus {
  task_id: TaskID;
  state: TaskState;
  message?: string;
  source?: StatusSource;
  reason?: string;
  data?: Uint8Array;
  agent_id?: AgentID;
  executor_id?: ExecutorID;
  timestamp?: number;
  uuid?: Uint8Array;
  healthy?: boolean;
  labels?: Labels;
}

/** A `mesos.v1.scheduler.Event`. */
export interface SchedulerEvent {
  type:
    | "UNKNOWN"
    | "SUBSCRIBED"
    | "OFFERS"
    | "INVERSE_OFFERS"
    | "RESCIND"
    | "RESCIND_INVERSE_OFFER"
    | "UPDATE"
    | "UPDATE_OPERATION_STATUS"
    | "MESSAGE"
    | "FAILURE"
    | "ERROR"
    | "HEARTBEAT";
  subscribed?: {
    framework_id: FrameworkID;
    heartbeat_interval_seconds?: number;
    master_info?: MasterInfo;
  };
  offers?: { offers?: Offer[] };
  rescind?: { offer_id: OfferID };
  update?: { status: TaskStatus };
  message?: { agent_id: AgentID; executor_id: ExecutorID; data: Uint8Array };
  failure?: { agent_id?: AgentID; executor_id?: ExecutorID; status?: number };
  error?: { message: string };
}

/** A `mesos.v1.executor.Event`. */
export interface ExecutorEvent {
  type:
    | "UNKNOWN"
    | "SUBSCRIBED"
    | "LAUNCH"
    | "LAUNCH_GROUP"
    | "KILL"
    | "ACKNOWLEDGED"
    | "MESSAGE"
    | "ERROR"
    | "SHUTDOWN"
    | "HEARTBEAT";
  subscribed?: {
    executor_info: ExecutorInfo;
    framework_info: FrameworkInfo;
    agent_info: AgentInfo;
    container_id?: Id;
  };
  launch?: { task: TaskInfo };
  kill?: { task_id: TaskID; kill_policy?: KillPolicy };
  acknowledged?: { task_id: TaskID; uuid: Uint8Array };
  message?: { data: Uint8Array };
  error?: { message: string };
}
