/**
 * How the etcd executor carries out the scheduler's maintenance orders (`reseed`, `stop`,
 * `restart`, sent as framework MESSAGEs; see contract/orders.ts) and reports what became
 * of each.
 *
 * An order stops etcd (keeping its data dir). `stop` is then done; `reseed` (with
 * `--force-new-cluster`) and `restart` start etcd again and stay pending until it is
 * healthy. Every order ends in one outcome, sent as a MESSAGE and, while the task lives and
 * has reported TASK_RUNNING, as a TASK_RUNNING update carrying it in `data` and labels. A
 * reseed of a data dir without a write-ahead log is refused: it would seed an empty cluster.
 * A `restart` carrying a new etcd (`etcd`, a rolling restart) downloads its binary first,
 * while the old etcd still runs (a failed download leaves it running), then restarts etcd
 * on the same data dir with that binary and those flags, which later restarts keep.
 *
 * @module
 */
import type { Logger } from "../lib/log.ts";
import type { Label, TaskStatus } from "../lib/mesos/types.ts";
import { OUTCOME_LABEL } from "../contract/labels.ts";
import {
  encodeMaintenanceOutcome,
  type MaintenanceOrder,
  type MaintenanceOutcome,
  parseMaintenanceOrder,
} from "../contract/orders.ts";
import type { RestoreTarget } from "../contract/snapshot_source.ts";
import type { ExitStatus } from "./etcd_process.ts";
import type { EtcdTask } from "./etcd_task.ts";
import type { ExecutorPorts, StatusReport } from "./ports.ts";

/** What order handling needs of the executor that runs the task. */
export interface OrderHost {
  /** The executor's task, if it launched one. */
  task(): EtcdTask | undefined;
  /** etcd's data dir. */
  dataDir(): string;
  ports: Pick<ExecutorPorts, "sendMessage" | "hasWal" | "clock">;
  log: Logger;
  /** Cancels restart timers and health waits. */
  quiesce(task: EtcdTask): void;
  /** Stops the task's etcd (SIGTERM, then SIGKILL after `graceMs`), if it runs. */
  stopProc(task: EtcdTask, graceMs: number): Promise<ExitStatus | undefined>;
  /** The task's kill grace period in ms. */
  graceFor(task: EtcdTask): number;
  /** Starts etcd for the task with its current flags. */
  start(task: EtcdTask): void;
  /** Sends a status update of the task. */
  update(taskId: string, state: TaskStatus["state"], extra?: Partial<StatusReport>): void;
  /** Replaces the task's data dir with the snapshot of `target` (a `restore` order). */
  restore(task: EtcdTask, target: RestoreTarget): Promise<void>;
  /** Downloads the etcd binary at `uri` into the sandbox; resolves with its path. */
  downloadEtcd(uri: string): Promise<string>;
}

/** How an order ended: reported by {@linkcode MaintenanceOrders.report}. */
export interface OrderResult {
  order: MaintenanceOrder;
  ok: boolean;
  /** etcd's state afterwards. */
  etcd: MaintenanceOutcome["etcd"];
  message: string;
}

/** Carries out maintenance orders on the task of the executor behind `host`. */
export class MaintenanceOrders {
  #host: OrderHost;

  /** Creates the order handling of the executor behind `host`. */
  constructor(host: OrderHost) {
    this.#host = host;
  }

  /** Parses a framework MESSAGE as an order; logs and returns `undefined` for anything else. */
  parse(data: Uint8Array): MaintenanceOrder | undefined {
    try {
      return parseMaintenanceOrder(data);
    } catch (err) {
      this.#host.log.warn("ignoring framework message", { err });
      return undefined;
    }
  }

  /**
   * Carries out `order` on the host's task: refuses it (without a live task, for another
   * task, or a reseed without a write-ahead log), else stops etcd and, for `reseed` and
   * `restart`, starts it again with the order pending until etcd is healthy. A pending
   * order is superseded.
   */
  async carryOut(order: MaintenanceOrder): Promise<void> {
    const host = this.#host;
    const task = host.task();
    if (!task || task.phase === "terminal" || task.phase === "killing") {
      host.log.warn("maintenance order without a live task", { op: order.op });
      host.ports.sendMessage(encodeMaintenanceOutcome({
        kind: "outcome",
        op: order.op,
        ...(order.id !== undefined ? { id: order.id } : {}),
        taskId: task?.id ?? "",
        ok: false,
        etcd: "stopped",
        message: "no live etcd task in this executor",
      }));
      return;
    }
    if (order.taskId !== undefined && order.taskId !== task.id) {
      const etcd = task.proc ? "running" : "stopped";
      this.report(task, { order, ok: false, etcd, message: `not task ${order.taskId}` });
      return;
    }
    this.failPending(task, `superseded by ${order.op}`);
    const dataDir = host.dataDir();
    if (order.op === "reseed" && host.ports.hasWal?.(dataDir) === false) {
      host.log.error("refusing to reseed from a data dir without a write-ahead log", {
        task: task.id,
        dataDir,
      });
      this.report(task, {
        order,
        ok: false,
        etcd: task.proc ? "running" : "stopped",
        message:
          `refused: ${dataDir} has no etcd write-ahead log; seeding it would start an empty cluster`,
      });
      return;
    }
    let etcdBin: string | undefined;
    if (order.op === "restart" && order.etcd?.uri !== undefined) {
      try {
        etcdBin = await host.downloadEtcd(order.etcd.uri);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        host.log.error("restart refused: the new etcd cannot be downloaded", { message });
        this.report(task, { order, ok: false, etcd: task.proc ? "running" : "stopped", message });
        return;
      }
    }
    host.log.info("maintenance order", { task: task.id, op: order.op, id: order.id });
    host.quiesce(task);
    await host.stopProc(task, host.graceFor(task));
    if (order.op === "restore") {
      try {
        await host.restore(task, order.restore!);
      } catch (err) {
        task.phase = "stopped";
        host.log.error("restore failed; etcd stays stopped", { task: task.id, err });
        const message = `restore failed: ${err instanceof Error ? err.message : err}`;
        this.report(task, { order, ok: false, etcd: "stopped", message });
        return;
      }
    }
    if (order.op === "stop") {
      task.phase = "stopped";
      this.report(task, {
        order,
        ok: true,
        etcd: "stopped",
        message: "etcd stopped; data dir kept",
      });
      return;
    }
    task.phase = task.sentRunning ? "running" : "starting";
    task.windowStart = host.ports.clock.now();
    task.restarts = 0;
    task.forceNewCluster = order.op === "reseed";
    if (etcdBin !== undefined) task.etcdBin = etcdBin;
    if (order.etcd?.flags !== undefined) task.etcdFlags = order.etcd.flags;
    task.pendingOrder = order;
    host.start(task);
  }

  /** Reports the task's pending order, if any, as failed with etcd stopped, and clears it. */
  failPending(task: EtcdTask, message: string): void {
    if (!task.pendingOrder) return;
    this.report(task, { order: task.pendingOrder, ok: false, etcd: "stopped", message });
    task.pendingOrder = undefined;
  }

  /** Reports an order's outcome: a TASK_RUNNING update (while the task lives) and a MESSAGE. */
  report(task: EtcdTask, result: OrderResult): void {
    const { order, ok, etcd, message } = result;
    const outcome: MaintenanceOutcome = {
      kind: "outcome",
      op: order.op,
      ...(order.id !== undefined ? { id: order.id } : {}),
      taskId: task.id,
      ok,
      etcd,
      message,
    };
    const data = encodeMaintenanceOutcome(outcome);
    if (task.phase !== "terminal" && task.phase !== "killing" && task.sentRunning) {
      const labels: Label[] = [
        { key: OUTCOME_LABEL.op, value: order.op },
        { key: OUTCOME_LABEL.outcome, value: ok ? "ok" : "failed" },
        { key: OUTCOME_LABEL.etcd, value: etcd },
      ];
      if (order.id !== undefined) labels.push({ key: OUTCOME_LABEL.orderId, value: order.id });
      this.#host.update(task.id, "TASK_RUNNING", { message, data, labels: { labels } });
    }
    this.#host.ports.sendMessage(data);
  }
}
