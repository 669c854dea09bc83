/**
 * Maintenance orders the scheduler sends the executor as framework MESSAGEs, and the
 * outcome the executor reports back (in a TASK_RUNNING status update's `data` and labels,
 * and as a MESSAGE to the scheduler). Both are UTF-8 JSON.
 *
 * - `reseed`: restart etcd with `--force-new-cluster`, keeping its data dir (after quorum
 *   loss, on the most up-to-date survivor).
 * - `stop`: stop etcd and keep the data dir (fencing a survivor before a reseed).
 * - `restart`: start etcd again with its normal flags; with `etcd` (a rolling restart), first
 *   download that etcd binary into the sandbox and start it with those flags, on the same
 *   data dir.
 * - `restore`: stop etcd, download the backup's snapshot (`restore` field), verify its
 *   SHA-256, replace the data dir with `etcdctl snapshot restore` of it as one member of the
 *   restored cluster (the old data dir is kept aside), and start etcd.
 *
 * @module
 */
import type { TaskStatus } from "../lib/mesos/types.ts";
import { OUTCOME_LABEL } from "./labels.ts";
import { type RestoreTarget, snapshotSourceOf, snapshotSourceProblem } from "./snapshot_source.ts";
import { type EtcdSpec, parseEtcdSpec } from "./etcd_spec.ts";

/** The operations an order can ask for. */
export type OrderOp = "reseed" | "stop" | "restart" | "restore";

/**
 * An order as the scheduler sends it (carried by the core's `executorOrder` effect): every
 * field set.
 */
export interface ExecutorOrder {
  op: OrderOp;
  /** Correlation id the executor echoes in its outcome. */
  id: string;
  /** The target task; an executor running another task refuses the order. */
  taskId: string;
  /** `restore`: the snapshot and the restored cluster. */
  restore?: RestoreTarget;
  /** `restart`: the etcd binary and flags to restart with (a rolling restart). */
  etcd?: EtcdSpec;
}

/** An order as the executor accepts it: `{"op":"reseed","id":"r-17"}`. */
export interface MaintenanceOrder {
  op: OrderOp;
  /** Correlation id echoed in the outcome. */
  id?: string;
  /** Target task; when set, an executor running another task refuses the order. */
  taskId?: string;
  /** `restore` (required there): the snapshot and the restored cluster. */
  restore?: RestoreTarget;
  /** `restart`: the etcd binary and flags to restart with (a rolling restart). */
  etcd?: EtcdSpec;
}

/** What became of an order. */
export interface MaintenanceOutcome {
  /** Always `"outcome"`, so a scheduler can tell outcomes from other messages. */
  kind: "outcome";
  op: OrderOp;
  id?: string;
  taskId: string;
  ok: boolean;
  /** etcd's state afterwards. */
  etcd: "running" | "stopped";
  /** Human-readable result or error. */
  message: string;
}

const OPS: readonly OrderOp[] = ["reseed", "stop", "restart", "restore"];
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

function decodeJson(data: Uint8Array, what: string): Record<string, unknown> {
  let text: string;
  try {
    text = decoder.decode(data);
  } catch {
    throw new TypeError(`Cannot parse ${what}: ${data.length} bytes are not UTF-8`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new TypeError(`Cannot parse ${what} ${JSON.stringify(text.slice(0, 200))}: not JSON`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new TypeError(
      `Cannot parse ${what} ${JSON.stringify(text.slice(0, 200))}: not an object`,
    );
  }
  return value as Record<string, unknown>;
}

function optionalString(v: Record<string, unknown>, key: string, what: string) {
  const value = v[key];
  if (value !== undefined && typeof value !== "string") {
    throw new TypeError(`Cannot parse ${what}: "${key}" ${JSON.stringify(value)} is not a string`);
  }
  return value as string | undefined;
}

/**
 * Parses a MESSAGE payload as an order.
 *
 * @throws {TypeError} naming the payload or field when it is not a valid order.
 */
export function parseMaintenanceOrder(data: Uint8Array): MaintenanceOrder {
  const v = decodeJson(data, "maintenance order");
  if (!OPS.includes(v.op as OrderOp)) {
    throw new TypeError(
      `Cannot parse maintenance order: "op" ${JSON.stringify(v.op)} is not one of ${
        OPS.join(", ")
      }`,
    );
  }
  const order: MaintenanceOrder = { op: v.op as OrderOp };
  const id = optionalString(v, "id", "maintenance order");
  const taskId = optionalString(v, "taskId", "maintenance order");
  if (id !== undefined) order.id = id;
  if (taskId !== undefined) order.taskId = taskId;
  if (order.op === "restore") order.restore = restoreTargetOf(v.restore);
  if (order.op === "restart" && v.etcd !== undefined) {
    try {
      order.etcd = parseEtcdSpec(v.etcd);
    } catch (err) {
      throw new TypeError(`Cannot parse maintenance order: "etcd": ${(err as Error).message}`);
    }
  }
  return order;
}

function restoreTargetOf(v: unknown): RestoreTarget {
  const problem = snapshotSourceProblem(v) ??
    (typeof (v as RestoreTarget).initialCluster !== "string" ||
        (v as RestoreTarget).initialCluster === ""
      ? "an initialCluster"
      : typeof (v as RestoreTarget).clusterToken !== "string" ||
          !/^\S+$/.test((v as RestoreTarget).clusterToken)
      ? "a clusterToken"
      : undefined);
  if (problem !== undefined) {
    throw new TypeError(
      `Cannot parse maintenance order: "restore" ${
        JSON.stringify(v)?.slice(0, 200)
      }: expected ${problem}`,
    );
  }
  const t = v as RestoreTarget;
  return { ...snapshotSourceOf(t), initialCluster: t.initialCluster, clusterToken: t.clusterToken };
}

/** Encodes an order as a MESSAGE payload. */
export function encodeMaintenanceOrder(order: MaintenanceOrder): Uint8Array {
  return encoder.encode(JSON.stringify(order));
}

/** Encodes an outcome (for `TaskStatus.data` and the MESSAGE back). */
export function encodeMaintenanceOutcome(outcome: MaintenanceOutcome): Uint8Array {
  return encoder.encode(JSON.stringify(outcome));
}

/**
 * The outcome a status update reports: an update carrying the label `etcd-mesos.op`
 * ({@linkcode OUTCOME_LABEL}) with the outcome in `data`. `undefined` for an ordinary update.
 *
 * @throws {TypeError} naming the payload when the update is labelled but its data is not an
 * outcome.
 */
export function outcomeInStatus(status: TaskStatus): MaintenanceOutcome | undefined {
  const labelled = status.labels?.labels?.some((l) => l.key === OUTCOME_LABEL.op) ?? false;
  if (!labelled || status.data === undefined || status.data.length === 0) return undefined;
  return parseMaintenanceOutcome(status.data);
}

/**
 * Parses an outcome the executor sent.
 *
 * @throws {TypeError} naming the payload when it is not an outcome.
 */
export function parseMaintenanceOutcome(data: Uint8Array): MaintenanceOutcome {
  const v = decodeJson(data, "maintenance outcome");
  if (
    v.kind !== "outcome" || !OPS.includes(v.op as OrderOp) ||
    typeof v.taskId !== "string" || typeof v.ok !== "boolean" ||
    (v.etcd !== "running" && v.etcd !== "stopped") || typeof v.message !== "string"
  ) {
    throw new TypeError(
      `Cannot parse maintenance outcome ${JSON.stringify(v).slice(0, 200)}: missing fields`,
    );
  }
  const id = optionalString(v, "id", "maintenance outcome");
  return {
    kind: "outcome",
    op: v.op as OrderOp,
    ...(id !== undefined ? { id } : {}),
    taskId: v.taskId,
    ok: v.ok,
    etcd: v.etcd,
    message: v.message,
  };
}
