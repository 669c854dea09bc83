/**
 * A simulated world for restore scenarios (test-only): the reseed world plus executors that
 * carry out `restore` orders (the restored members form a new cluster with new member ids,
 * exactly as `etcdctl snapshot restore` with a new token does), and a record of the first
 * launches that carried a snapshot to seed from.
 *
 * @module
 */
import assert from "node:assert/strict";
import { parseInitialCluster } from "../../../contract/member_config.ts";
import type { Effect } from "../effects.ts";
import type { Input } from "../inputs.ts";
import type { BackupRef } from "../restore_run.ts";
import { ReseedWorld } from "./reseed_world.ts";

/** A verified backup as the shell would report it. */
export function backupRef(id = "20240102T030405006Z", verified = true): BackupRef {
  return {
    id,
    url: `http://sched:12300/backups/${id}.db`,
    sha256: "ab".repeat(32),
    revision: "4242",
    verified,
  };
}

/** The world of a restore scenario. */
export class RestoreWorld extends ReseedWorld {
  /** Members whose executor reports a failed restore. */
  failRestore = new Set<string>();
  /** Restores carried out, as `name backupId token`. */
  restored: string[] = [];
  /** Launches that carried a snapshot to seed from, as `name backupId`. */
  seeded: string[] = [];
  #restoredIds = 1000;

  override answer(e: Effect): Input | undefined {
    if (e.type === "launch" && e.member.config.restore !== undefined) {
      this.seeded.push(`${e.member.name} ${e.member.config.restore.backupId}`);
    }
    return super.answer(e);
  }

  override order(e: Extract<Effect, { type: "executorOrder" }>): Input | undefined {
    if (e.order.op !== "restore") return super.order(e);
    const t = this.tasks.get(e.taskId)!;
    const name = t.launch.name;
    this.orders.push(`restore ${name}`);
    const base = { type: "orderOutcome" as const, orderId: e.order.id, taskId: e.taskId };
    const target = e.order.restore;
    assert.ok(target, "a restore order carries its target");
    if (this.failRestore.has(name)) {
      return { ...base, op: "restore", ok: false, etcd: "stopped", message: "sha256 mismatch" };
    }
    this.restored.push(`${name} ${target.backupId} ${target.clusterToken}`);
    // The first restore of a new token makes the whole new membership.
    const entries = parseInitialCluster(target.initialCluster);
    const url = `http://${t.launch.hostname}:${t.launch.peerPort}`;
    assert.ok(entries.some((x) => x.peerUrl === url), "the member is in its initial cluster");
    if (!this.members.some((m) => m.id.startsWith(`${target.clusterToken}/`))) {
      this.members = entries.map((x) => ({
        id: `${target.clusterToken}/${this.#restoredIds++}`,
        name: x.name,
        peerUrls: [x.peerUrl],
        isLearner: false,
      }));
    }
    this.stopped.delete(name);
    return { ...base, op: "restore", ok: true, etcd: "running", message: "restore done" };
  }
}
