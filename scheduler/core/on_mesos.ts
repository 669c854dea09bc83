/**
 * Handlers of the master's events other than offers: subscription, status updates
 * (adoption, failures, acknowledgements), FAILURE, and the end of reconciliation.
 *
 * @module
 */
import { isTerminal, type TaskState, type TaskStatus } from "../../lib/mesos/types.ts";
import { byTask, type Ctx, log } from "./context.ts";
import { beginReconciliation, noteReconcileAnswer } from "./reconciliation.ts";
import { abandonJoin } from "./retire.ts";
import { executorIdOf } from "./task_info.ts";
import { liveMembers, type MemberRecord } from "./state.ts";
import { awaitingRelaunch, noteAgentRemoved } from "./volume_relaunch.ts";
import { memberIndex, tryParseTaskId } from "../../contract/task_id.ts";

/**
 * SUBSCRIBED: remember (and persist) the framework id, then reconcile. `newFramework`: the
 * framework had no id before this run, so the master knows no task of it.
 */
export function onSubscribed(ctx: Ctx, frameworkId: string, newFramework = false): void {
  const { s } = ctx;
  if (s.frameworkId !== frameworkId) {
    if (s.frameworkId !== undefined) {
      log(ctx, "warn", "framework id changed on subscribe", {
        from: s.frameworkId,
        to: frameworkId,
      });
    }
    s.frameworkId = frameworkId;
    ctx.fx.push({ type: "persistFrameworkId", frameworkId });
  }
  s.connected = true;
  s.reconciled = false;
  // A new subscription starts unsuppressed and without filters; old offers are gone.
  s.suppressed = false;
  s.filtered = false;
  s.offersWanted = false;
  dropHeldOffer(ctx, "resubscribed");
  const known = s.members.filter((m) => !isTerminal(m.taskState)).map((m) => ({
    taskId: m.taskId,
    agentId: m.agentId || undefined,
  }));
  ctx.fx.push({ type: "reconcile", tasks: [] });
  if (known.length > 0) ctx.fx.push({ type: "reconcile", tasks: known });
  log(ctx, "info", "subscribed; reconciling tasks", { frameworkId, knownTasks: known.length });
  beginReconciliation(ctx, known.map((k) => k.taskId), newFramework);
}

function dropHeldOffer(ctx: Ctx, why: string): void {
  const c = ctx.s.change;
  if (c?.kind === "add" && c.offerId !== undefined && !c.offerLost) {
    c.offerLost = true;
    log(ctx, "warn", "held offer lost before launch", { member: c.name, why });
  }
}

/** The subscription ended: Immutable until subscribed and reconciled again. */
export function onDisconnected(ctx: Ctx, reason: string | undefined): void {
  ctx.s.connected = false;
  ctx.s.reconciled = false;
  dropHeldOffer(ctx, "disconnected");
  log(ctx, "warn", "disconnected from the master", { reason });
}

/** Starts tracking a task of ours that the scheduler did not know (failover). */
function adopt(ctx: Ctx, status: TaskStatus): void {
  const { s, now } = ctx;
  const taskId = status.task_id.value;
  const parts = tryParseTaskId(taskId);
  if (parts === undefined) {
    log(ctx, "warn", "ignoring a task with a foreign id", { task: taskId, state: status.state });
    return;
  }
  const running = status.state === "TASK_RUNNING";
  const agentId = status.agent_id?.value ?? "";
  s.members.push({
    name: parts.name,
    taskId,
    agentId,
    hostname: parts.host,
    peerPort: parts.peerPort,
    clientPort: parts.clientPort,
    taskState: status.state,
    launchedAt: running ? undefined : now,
    runningSince: running ? now : undefined,
    learner: false,
    placementValue: s.agentValues[agentId],
  });
  const n = memberIndex(parts.name);
  if (n !== undefined && n >= s.nextIndex) s.nextIndex = n + 1;
  if (running) s.clusterFormed = true;
  s.probeWanted = true;
  log(ctx, "info", "adopted a running task", {
    task: taskId,
    member: parts.name,
    state: status.state,
  });
}

/** A member's task ended: count it, roll back a join it was part of, detect total loss. */
function onTerminal(ctx: Ctx, m: MemberRecord, status: TaskStatus): void {
  const { s } = ctx;
  const fields = {
    member: m.name,
    task: m.taskId,
    state: status.state,
    reason: status.reason,
    message: status.message,
  };
  if (m.retiring !== undefined) {
    log(ctx, "info", "retired member's task ended", fields);
  } else {
    s.counters.failed_servers++;
    log(ctx, "warn", "member task ended", fields);
  }
  const c = s.change;
  if (c?.kind === "bootstrap" && c.name === m.name) {
    s.change = undefined;
  } else if (c?.kind === "add" && c.taskId === m.taskId) {
    const reason = `${m.name} ${status.state} while joining`;
    abandonJoin(ctx, m, reason);
    if (s.change?.kind === "remove") {
      log(ctx, "warn", "removing the failed learner from etcd", { member: m.name, reason });
    }
  }
  const relaunching = awaitingRelaunch(s).length > 0; // members come back from their volumes
  if (s.clusterFormed && liveMembers(s).length === 0 && !s.lost && !relaunching) {
    s.lost = true;
    log(ctx, "error", "TOTAL CLUSTER LOSS: every member is gone; locked until a reseed", {
      lastMember: m.name,
    });
  }
}

/** States a task never returns to once it has run. */
const BEFORE_RUNNING = new Set(["TASK_STAGING", "TASK_STARTING"]);

/**
 * True when an update saying `next` cannot follow `prev` and must be a late or replayed one:
 * anything after a final state (every terminal state but TASK_LOST, which a
 * non-partition-aware task may leave), or STAGING/STARTING after the task ran.
 */
function isStale(prev: TaskState, next: TaskState): boolean {
  if (next === prev) return false;
  if (isTerminal(prev) && prev !== "TASK_LOST") return true;
  return BEFORE_RUNNING.has(next) && !BEFORE_RUNNING.has(prev) && !isTerminal(prev);
}

/** UPDATE: track the task, adopt ours, and acknowledge when the update carries a uuid. */
export function onStatus(ctx: Ctx, status: TaskStatus): void {
  const { s, now } = ctx;
  // Acknowledge first: the state change below is part of this same step.
  if (status.uuid !== undefined && status.uuid.length > 0) {
    ctx.fx.push({ type: "acknowledge", status });
  }
  const taskId = status.task_id.value;
  noteReconcileAnswer(s, taskId, now);
  const m = byTask(s, taskId);
  if (m === undefined && s.endedTaskIds?.includes(taskId)) {
    log(ctx, "info", "ignoring a status update of a task that ended", {
      task: taskId,
      state: status.state,
    });
  } else if (m === undefined) {
    if (!isTerminal(status.state)) adopt(ctx, status);
    else log(ctx, "debug", "status of an unknown task", { task: taskId, state: status.state });
  } else if (isStale(m.taskState, status.state)) {
    log(ctx, "info", "ignoring an out-of-order status update", {
      member: m.name,
      task: taskId,
      state: status.state,
      known: m.taskState,
    });
  } else {
    const prev = m.taskState;
    m.taskState = status.state;
    if (status.agent_id?.value) m.agentId = status.agent_id.value;
    if (status.state === "TASK_RUNNING" && prev !== "TASK_RUNNING") {
      m.runningSince = now;
      m.unreachableSince = undefined;
      s.probeWanted = true;
      const c = s.change;
      if (c?.kind === "add" && c.taskId === taskId && c.step === "starting") {
        c.step = "catching-up";
        c.stepAt = now;
      }
      log(ctx, "info", "member task running", { member: m.name, host: m.hostname });
    } else if (status.state === "TASK_UNREACHABLE") {
      m.unreachableSince ??= now;
    } else if (isTerminal(status.state) && !isTerminal(prev)) {
      onTerminal(ctx, m, status);
    }
  }
}

/** FAILURE: an agent was removed or an executor exited; suspect its members and re-probe. */
export function onFailure(ctx: Ctx, agentId: string, executorId: string | undefined): void {
  const { s, now } = ctx;
  const hit = liveMembers(s).filter((m) =>
    m.agentId === agentId && (executorId === undefined || executorIdOf(m) === executorId)
  );
  for (const m of hit) {
    if (m.taskState === "TASK_RUNNING") m.unreachableSince ??= now;
  }
  s.probeWanted = true;
  if (executorId === undefined) noteAgentRemoved(ctx, agentId);
  log(ctx, "warn", executorId ? "executor exited" : "agent removed", {
    agent: agentId,
    executor: executorId,
    members: hit.map((m) => m.name).join(",") || undefined,
  });
}
