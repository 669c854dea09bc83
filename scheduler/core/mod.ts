/**
 * The scheduler's pure decision core. The shell keeps one {@linkcode State}, feeds every
 * event as an {@linkcode Input} to {@linkcode step} with the current time, performs the
 * returned {@linkcode Effect}s in order and feeds their results back.
 *
 * Contract for the shell:
 * - `subscribed` → perform `persistFrameworkId`, `reconcile` (an empty task list first:
 *   implicit), then send `reconcileDone` once the master has answered (e.g. no update for a
 *   quiet period); until then the core is Immutable and declines offers.
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
 * - `admin{reseed, requestId}` → the decision is in `state.reseedReply` after the step.
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
export type { NoSurvivor, ReseedPhase, ReseedReply, ReseedRun } from "./reseed_run.ts";
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
