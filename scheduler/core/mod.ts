/**
 * The scheduler's pure decision core. The shell keeps one {@linkcode State}, feeds every
 * event as an {@linkcode Input} to {@linkcode step} with the current time, performs the
 * returned {@linkcode Effect}s in order and feeds their results back.
 *
 * Contract for the shell:
 * - `subscribed` (with `newFramework` when the framework had no id) → perform
 *   `persistFrameworkId` and `reconcile` (an empty task list first: implicit); the core
 *   itself decides when the master has answered (`reconciliation.ts`) and asks again about
 *   unanswered tasks with further `reconcile` effects; until then it is Immutable.
 * - `launch` → ACCEPT with `buildTaskInfo(effect.member, template)`; if the call fails,
 *   feed a `status` TASK_LOST for that task id so the core rolls back.
 * - `etcdAddLearner` / `etcdPromote` / `etcdRemove` → call etcd through `endpoints` and feed
 *   one `etcdResult` (with `errorKind` from the admin client on failure).
 * - `probe` → status of each member, the member list and a linearizable read; feed one
 *   `probe` input even when everything failed (all unreachable).
 * - `armTimer{at}` → replace the single pending timer; feed `tick` when it fires.
 * - `executorOrder` → send the order as a framework MESSAGE to the member's executor; feed
 *   each outcome the executor reports (MESSAGE or labelled TASK_RUNNING update) as an
 *   `orderOutcome`, and a failed send as one with `undelivered: true`.
 * - `admin{reseed, requestId}` → the decision is an `adminReply` effect of the step: return
 *   it to whoever asked.
 * - `log` → write with the injected logger.
 *
 * @module
 */
export { step } from "./step.ts";
export {
  type Change,
  type CoreOptions,
  DEFAULT_CORE_OPTIONS,
  initialState,
  type MemberRecord,
  type Phase,
  phaseOf,
  type Placement,
  type State,
} from "./state.ts";
export type {
  EtcdMemberView,
  EtcdOp,
  EtcdResultInput,
  Input,
  OrderOutcomeInput,
  ProbeInput,
  ProbeMemberResult,
} from "./inputs.ts";
export type { Effect, EffectLogLevel, MemberLaunch, ProbeTarget, StepResult } from "./effects.ts";
export { buildTaskInfo, executorIdOf, type ExecutorTemplate } from "./task_info.ts";
export type { ExecutorOrder, OrderOp } from "../../contract/orders.ts";
export type { NoSurvivor, ReseedPhase, ReseedRun } from "./reseed_run.ts";
export { type QuorumEvidence, quorumEvidence, rankSurvivors } from "./reseed_evidence.ts";
export {
  formatTaskId,
  parseTaskId,
  TASK_NAME,
  type TaskIdParts,
  tryParseTaskId,
} from "../../contract/task_id.ts";
export {
  healthOf,
  type HealthView,
  membersOf,
  type MemberView,
  type Stats,
  statsOf,
} from "./views.ts";
