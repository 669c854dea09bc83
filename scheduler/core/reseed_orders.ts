/**
 * Maintenance orders of a reseed (pure): sending `stop` / `reseed` / `restart` to a member's
 * executor as an `executorOrder` effect, matching the outcomes the executor reports back
 * (as a MESSAGE and as a labelled TASK_RUNNING update, so each may arrive twice), and
 * re-sending orders that were never answered.
 *
 * @module
 */
import { isTerminal } from "../../lib/mesos/types.ts";
import { type Ctx, log } from "./context.ts";
import type { OrderOutcomeInput } from "./inputs.ts";
import type { OrderOp } from "../../contract/orders.ts";
import type { ReseedRun, SentOrder } from "./reseed_run.ts";
import type { MemberRecord, State } from "./state.ts";
import { executorIdOf } from "./task_info.ts";

/** Unanswered `stop` orders are sent again after this long (or the health interval). */
export const ORDER_RESEND_MS = 5_000;

/** How long before an unanswered stop order is sent again. */
export function resendAfterMs(s: State): number {
  return Math.max(ORDER_RESEND_MS, s.options.healthIntervalMs);
}

/** Sends `op` to `m`'s executor and records the order in `run`. */
export function sendOrder(
  ctx: Ctx,
  run: ReseedRun,
  m: MemberRecord,
  op: OrderOp,
  reason: string,
): SentOrder {
  const id = `${run.id}-${op}-${m.name}-${++run.seq}`;
  const order: SentOrder = {
    id,
    op,
    taskId: m.taskId,
    name: m.name,
    sentAt: ctx.now,
    state: "sent",
  };
  run.orders.push(order);
  emit(ctx, m, order, reason);
  return order;
}

function emit(ctx: Ctx, m: MemberRecord, order: SentOrder, reason: string): void {
  ctx.fx.push({
    type: "executorOrder",
    taskId: m.taskId,
    agentId: m.agentId,
    executorId: executorIdOf(m),
    order: { op: order.op, id: order.id, taskId: m.taskId },
    reason,
  });
  log(ctx, "info", `order ${order.op} sent`, { member: m.name, order: order.id, reason });
}

/** The latest order of `op` sent to `taskId` in `run`. */
export function lastOrder(run: ReseedRun, taskId: string, op?: OrderOp): SentOrder | undefined {
  return run.orders.findLast((o) => o.taskId === taskId && (op === undefined || o.op === op));
}

/** True when `m` no longer runs etcd: its task ended, or its latest order stopped etcd. */
export function isFenced(run: ReseedRun, m: MemberRecord): boolean {
  if (isTerminal(m.taskState)) return true;
  const last = lastOrder(run, m.taskId);
  return last?.op === "stop" && (last.state === "ok" || last.etcd === "stopped");
}

/**
 * Sends again, {@linkcode resendAfterMs} after the last try, the `stop` orders not answered
 * (stopping twice is harmless) and any order whose MESSAGE was not delivered (the executor
 * never saw it, so repeating is safe). A `reseed` that was delivered is never repeated.
 */
export function resendOrders(ctx: Ctx, run: ReseedRun): void {
  const { s, now } = ctx;
  if (!s.connected) return;
  for (const order of run.orders) {
    if (lastOrder(run, order.taskId) !== order) continue;
    const m = s.members.find((x) => x.taskId === order.taskId);
    if (m === undefined || isTerminal(m.taskState)) continue;
    const due = now - order.sentAt >= resendAfterMs(s);
    if (due && (order.state === "undelivered" || (order.op === "stop" && order.state === "sent"))) {
      order.state = "sent";
      order.sentAt = now;
      emit(ctx, m, order, "sending again: no answer yet");
    }
  }
}

/** The earliest time an order is due to be sent again. */
export function nextResendAt(s: State, run: ReseedRun): number | undefined {
  const due = run.orders
    .filter((o) =>
      lastOrder(run, o.taskId) === o &&
      (o.state === "undelivered" || (o.op === "stop" && o.state === "sent"))
    )
    .map((o) => o.sentAt + resendAfterMs(s));
  return due.length > 0 ? Math.min(...due) : undefined;
}

/** Records an executor's outcome (or a failed delivery) against the order it answers. */
export function onOrderOutcome(ctx: Ctx, input: OrderOutcomeInput): void {
  const run = ctx.s.reseed;
  const order = run === undefined
    ? undefined
    : input.orderId !== undefined
    ? run.orders.find((o) => o.id === input.orderId)
    : lastOrder(run, input.taskId, input.op);
  const fields = {
    order: input.orderId,
    op: input.op,
    task: input.taskId,
    ok: input.ok,
    etcd: input.etcd,
    message: input.message,
  };
  if (order === undefined) {
    log(ctx, "debug", "order outcome of no running reseed ignored", fields);
    return;
  }
  if (input.undelivered) {
    if (order.state === "sent") order.state = "undelivered";
    log(ctx, "warn", "order not delivered; will send again", { ...fields, member: order.name });
    return;
  }
  if (order.state === "ok" || order.state === "failed") {
    log(ctx, "debug", "duplicate order outcome ignored", fields);
    return;
  }
  order.state = input.ok ? "ok" : "failed";
  order.etcd = input.etcd;
  order.detail = input.message;
  log(ctx, input.ok ? "info" : "warn", `order ${order.op} ${input.ok ? "done" : "failed"}`, {
    ...fields,
    member: order.name,
  });
  if (input.ok && order.op === "reseed") ctx.s.probeWanted = true;
}
