import assert from "node:assert/strict";
import { encodeMemberConfig } from "../contract/member_config.ts";
import { parseMaintenanceOutcome } from "../contract/orders.ts";
import type { SnapshotRestoreJob } from "./snapshot_restore.ts";
import { config, good, harness, launch, message, settle } from "./testing/executor_harness.ts";

const target = {
  backupId: "20240102T030405006Z",
  url: "http://sched:12300/backups/20240102T030405006Z.db",
  sha256: "ab".repeat(32),
  initialCluster: "etcd-1=http://127.0.0.1:31000,etcd-2=http://127.0.0.2:31000",
  clusterToken: "etcd-restore-x",
};

Deno.test("a restore order stops etcd, restores the snapshot as this member, starts etcd and reports once healthy", async () => {
  const jobs: SnapshotRestoreJob[] = [];
  const h = harness({ restoreSnapshot: (job) => Promise.resolve(void jobs.push(job)) });
  h.executor.handle(good());
  await h.healthy();
  h.executor.handle(message({ op: "restore", id: "x1", taskId: "t1", restore: target }));
  await settle();
  assert.deepEqual(h.procs[0]!.stops, [3000], "etcd stopped first");
  assert.deepEqual(jobs, [{
    source: { backupId: target.backupId, url: target.url, sha256: target.sha256 },
    dataDir: "/sandbox/etcd_data",
    member: {
      name: "etcd-1",
      peerUrl: "http://127.0.0.1:31000",
      initialCluster: target.initialCluster,
      clusterToken: target.clusterToken,
    },
  }]);
  assert.equal(h.procs.length, 2, "etcd started again on the restored data dir");
  assert.equal(h.procs[1]!.args.includes("--force-new-cluster=true"), false);
  assert.equal(h.messages.length, 0, "pending until healthy");
  await h.healthy();
  const outcome = parseMaintenanceOutcome(h.messages[0]!);
  assert.deepEqual([outcome.op, outcome.id, outcome.ok, outcome.etcd], [
    "restore",
    "x1",
    true,
    "running",
  ]);
});

Deno.test("a failed restore reports the reason and leaves etcd stopped", async () => {
  const h = harness({ restoreSnapshot: () => Promise.reject(new Error("HTTP 404")) });
  h.executor.handle(good());
  await h.healthy();
  h.executor.handle(message({ op: "restore", id: "x2", restore: target }));
  await settle();
  const outcome = parseMaintenanceOutcome(h.messages[0]!);
  assert.deepEqual([outcome.ok, outcome.etcd], [false, "stopped"]);
  assert.match(outcome.message, /restore failed: HTTP 404/);
  assert.equal(h.procs.length, 1);
  assert.equal(h.executor.state.phase, "stopped");
});

Deno.test("a member seeded from a backup restores it before etcd first starts", async () => {
  const jobs: SnapshotRestoreJob[] = [];
  const h = harness({
    hasWal: false,
    restoreSnapshot: (job) => Promise.resolve(void jobs.push(job)),
  });
  const source = { backupId: target.backupId, url: target.url, sha256: target.sha256 };
  h.executor.handle(launch(encodeMemberConfig({ ...config, restore: source })));
  await settle();
  assert.equal(jobs.length, 1);
  assert.deepEqual(jobs[0]!.member, {
    name: "etcd-1",
    peerUrl: "http://127.0.0.1:31000",
    initialCluster: config.initialCluster,
    clusterToken: config.clusterToken,
  });
  assert.equal(h.procs.length, 1, "etcd starts after the restore");
  await h.healthy();
  assert.deepEqual(h.states(), ["TASK_STARTING", "TASK_RUNNING"]);
});

Deno.test("a seeded member whose restore fails fails its task with the reason", async () => {
  const h = harness({
    hasWal: false,
    restoreSnapshot: () => Promise.reject(new Error("sha256 mismatch")),
  });
  const source = { backupId: target.backupId, url: target.url, sha256: target.sha256 };
  h.executor.handle(launch(encodeMemberConfig({ ...config, restore: source })));
  await settle();
  assert.equal(h.procs.length, 0);
  assert.equal(h.updates.at(-1)!.state, "TASK_FAILED");
  assert.match(
    h.updates.at(-1)!.message!,
    /Cannot restore backup 20240102T030405006Z: sha256 mismatch/,
  );
});
