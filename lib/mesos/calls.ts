/**
 * Pure constructors of `mesos.v1.scheduler.Call` messages (in the codec's plain form).
 * They never set the top-level `framework_id` except for SUBSCRIBE: the scheduler client
 * adds it (see {@linkcode withFrameworkId}), so callers don't thread the id around.
 *
 * @module
 */
import type {
  AgentID,
  ExecutorID,
  FrameworkID,
  FrameworkInfo,
  KillPolicy,
  OfferID,
  Resource,
  TaskID,
  TaskInfo,
  TaskStatus,
} from "./types.ts";

/** `mesos.v1.scheduler.Call.Type` values this project sends (never UNKNOWN). */
export type SchedulerCallType =
  | "SUBSCRIBE"
  | "TEARDOWN"
  | "ACCEPT"
  | "DECLINE"
  | "REVIVE"
  | "KILL"
  | "SHUTDOWN"
  | "ACKNOWLEDGE"
  | "RECONCILE"
  | "MESSAGE"
  | "REQUEST"
  | "SUPPRESS";

/** `mesos.v1.Filters`. */
export interface Filters {
  refuse_seconds?: number;
}

/** `mesos.v1.Offer.Operation` (the kinds this project uses). */
export interface OfferOperation {
  type: "LAUNCH" | "RESERVE" | "UNRESERVE" | "CREATE" | "DESTROY";
  launch?: { task_infos: TaskInfo[] };
  reserve?: { resources: Resource[] };
  unreserve?: { resources: Resource[] };
  create?: { volumes: Resource[] };
  destroy?: { volumes: Resource[] };
}

/** A `mesos.v1.scheduler.Call`. */
export interface SchedulerCall {
  framework_id?: FrameworkID;
  type: SchedulerCallType;
  subscribe?: { framework_info: FrameworkInfo; suppressed_roles?: string[] };
  accept?: { offer_ids: OfferID[]; operations: OfferOperation[]; filters?: Filters };
  decline?: { offer_ids: OfferID[]; filters?: Filters };
  revive?: { roles: string[] };
  suppress?: { roles: string[] };
  kill?: { task_id: TaskID; agent_id?: AgentID; kill_policy?: KillPolicy };
  shutdown?: { executor_id: ExecutorID; agent_id: AgentID };
  acknowledge?: { agent_id: AgentID; task_id: TaskID; uuid: Uint8Array };
  reconcile?: { tasks: { task_id: TaskID; agent_id?: AgentID }[] };
  message?: { agent_id: AgentID; executor_id: ExecutorID; data: Uint8Array };
}

/** Options shared by calls that take offer filters. */
export interface FilterOptions {
  /** Seconds before the declined/unused resources are offered again (Mesos default 5). */
  refuseSeconds?: number;
}

const id = (value: string): { value: string } => ({ value });

function filters(options: FilterOptions): { filters?: Filters } {
  const s = options.refuseSeconds;
  if (s === undefined) return {};
  if (!Number.isFinite(s) || s < 0) {
    throw new RangeError(`Cannot use refuse_seconds ${s}: expected a number >= 0`);
  }
  return { filters: { refuse_seconds: s } };
}

/**
 * SUBSCRIBE. With a framework id (from `options.frameworkId` or `frameworkInfo.id`)
 * this is a re-subscription: Mesos wants the id both at the top level and in
 * `framework_info.id`, and they must match.
 */
export function subscribe(
  frameworkInfo: FrameworkInfo,
  options: { frameworkId?: string; suppressedRoles?: string[] } = {},
): SchedulerCall {
  const fwId = options.frameworkId ?? frameworkInfo.id?.value;
  const info: FrameworkInfo = { ...frameworkInfo };
  delete info.id;
  if (fwId !== undefined) info.id = id(fwId);
  const call: SchedulerCall = {
    type: "SUBSCRIBE",
    subscribe: { framework_info: info },
  };
  if (options.suppressedRoles?.length) call.subscribe!.suppressed_roles = options.suppressedRoles;
  if (fwId !== undefined) call.framework_id = id(fwId);
  return call;
}

/** TEARDOWN: removes the framework and kills all of its tasks. */
export function teardown(): SchedulerCall {
  return { type: "TEARDOWN" };
}

/** A LAUNCH operation for {@linkcode accept}. */
export function launch(tasks: TaskInfo[]): OfferOperation {
  return { type: "LAUNCH", launch: { task_infos: tasks } };
}

/** ACCEPT of `offerIds` with `operations`; unused resources are declined. */
export function accept(
  offerIds: string[],
  operations: OfferOperation[],
  options: FilterOptions = {},
): SchedulerCall {
  return {
    type: "ACCEPT",
    accept: { offer_ids: offerIds.map(id), operations, ...filters(options) },
  };
}

/** ACCEPT of `offerIds` with a single LAUNCH of `tasks`. */
export function acceptLaunch(
  offerIds: string[],
  tasks: TaskInfo[],
  options: FilterOptions = {},
): SchedulerCall {
  return accept(offerIds, [launch(tasks)], options);
}

/** DECLINE of `offerIds`, optionally refusing them for `refuseSeconds`. */
export function decline(offerIds: string[], options: FilterOptions = {}): SchedulerCall {
  return { type: "DECLINE", decline: { offer_ids: offerIds.map(id), ...filters(options) } };
}

/** REVIVE: clears filters and resumes offers (for `roles`, or all roles when omitted). */
export function revive(roles?: string[]): SchedulerCall {
  return roles?.length ? { type: "REVIVE", revive: { roles } } : { type: "REVIVE" };
}

/** SUPPRESS: stops offers (for `roles`, or all roles when omitted). */
export function suppress(roles?: string[]): SchedulerCall {
  return roles?.length ? { type: "SUPPRESS", suppress: { roles } } : { type: "SUPPRESS" };
}

/** KILL of a task, with its agent when known and an optional grace period. */
export function kill(
  taskId: string,
  options: { agentId?: string; gracePeriodMs?: number } = {},
): SchedulerCall {
  const k: NonNullable<SchedulerCall["kill"]> = { task_id: id(taskId) };
  if (options.agentId !== undefined) k.agent_id = id(options.agentId);
  if (options.gracePeriodMs !== undefined) {
    const ms = options.gracePeriodMs;
    if (!Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`Cannot use kill grace period ${ms} ms: expected a number >= 0`);
    }
    k.kill_policy = { grace_period: { nanoseconds: Math.round(ms * 1e6) } };
  }
  return { type: "KILL", kill: k };
}

/** SHUTDOWN of an executor on an agent. */
export function shutdown(executorId: string, agentId: string): SchedulerCall {
  return { type: "SHUTDOWN", shutdown: { executor_id: id(executorId), agent_id: id(agentId) } };
}

/**
 * ACKNOWLEDGE of a status update, echoing its uuid bytes unchanged.
 *
 * @throws {RangeError} naming the task when the status has no uuid (master-generated
 * updates must not be acknowledged) or no agent id.
 */
export function acknowledge(status: TaskStatus): SchedulerCall {
  const task = status.task_id?.value;
  if (!status.uuid || status.uuid.length === 0) {
    throw new RangeError(`Cannot acknowledge ${status.state} of task "${task}": it has no uuid`);
  }
  if (!status.agent_id) {
    throw new RangeError(`Cannot acknowledge ${status.state} of task "${task}": no agent_id`);
  }
  return {
    type: "ACKNOWLEDGE",
    acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid },
  };
}

/** True when a status update needs an ACKNOWLEDGE (it carries a uuid). */
export function needsAcknowledge(status: TaskStatus): boolean {
  return status.uuid !== undefined && status.uuid.length > 0;
}

/** A task to reconcile: its id and, when known, its agent. */
export interface ReconcileTask {
  taskId: string;
  agentId?: string;
}

/** RECONCILE: explicit for `tasks`, implicit (every known task) when empty. */
export function reconcile(tasks: ReconcileTask[] = []): SchedulerCall {
  return {
    type: "RECONCILE",
    reconcile: {
      tasks: tasks.map((t) =>
        t.agentId === undefined
          ? { task_id: id(t.taskId) }
          : { task_id: id(t.taskId), agent_id: id(t.agentId) }
      ),
    },
  };
}

/** MESSAGE to an executor (unreliable; arrives as a MESSAGE event). Text is sent as UTF-8. */
export function message(
  target: { agentId: string; executorId: string },
  data: Uint8Array | string,
): SchedulerCall {
  return {
    type: "MESSAGE",
    message: {
      agent_id: id(target.agentId),
      executor_id: id(target.executorId),
      data: typeof data === "string" ? new TextEncoder().encode(data) : data,
    },
  };
}

/** A copy of `call` carrying the top-level `framework_id`. */
export function withFrameworkId(call: SchedulerCall, frameworkId: string): SchedulerCall {
  return { ...call, framework_id: id(frameworkId) };
}
