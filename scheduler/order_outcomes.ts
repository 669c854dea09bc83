/**
 * Turns what executors report about maintenance orders into the core's `orderOutcome`
 * input: a framework MESSAGE carrying an outcome, or a TASK_RUNNING update whose labels
 * mark it as one (`etcd-mesos.op`, see `contract/labels.ts`) with the outcome in `data`. The same outcome usually
 * arrives both ways; the core ignores the second.
 *
 * @module
 */
import {
  type MaintenanceOutcome,
  outcomeInStatus,
  parseMaintenanceOutcome,
} from "../contract/orders.ts";
import type { TaskStatus } from "../lib/mesos/types.ts";
import type { OrderOutcomeInput } from "./core/inputs.ts";

function inputOf(o: MaintenanceOutcome): OrderOutcomeInput {
  return {
    type: "orderOutcome",
    ...(o.id !== undefined ? { orderId: o.id } : {}),
    taskId: o.taskId,
    op: o.op,
    ok: o.ok,
    etcd: o.etcd,
    message: o.message,
  };
}

/**
 * The outcome in a MESSAGE payload.
 *
 * @throws {TypeError} naming the payload when it is not an outcome.
 */
export function outcomeFromMessage(data: Uint8Array): OrderOutcomeInput {
  return inputOf(parseMaintenanceOutcome(data));
}

/**
 * The outcome a status update reports, or `undefined` for an ordinary update.
 *
 * @throws {TypeError} naming the payload when the update is labelled but its data is not an
 * outcome.
 */
export function outcomeFromStatus(status: TaskStatus): OrderOutcomeInput | undefined {
  const outcome = outcomeInStatus(status);
  return outcome === undefined ? undefined : inputOf(outcome);
}
