import assert from "node:assert/strict";
import type { Effect } from "./effects.ts";
import { completeCluster, run } from "./testing/reseed_world.ts";
import { backupRef, RestoreWorld } from "./testing/restore_world.ts";
import { Harness, offer, ofType, settle } from "./testing/scenario_world.ts";
import { RESEED_OPTIONS } from "./testing/reseed_world.ts";
import { healthOf } from "./views.ts";

/** A complete 3-member cluster in a restore world. */
function cluster(): { h: Harness; w: RestoreWorld } {
  const { h, w: seedWorld } = completeCluster(3);
  const w = Object.assign(new RestoreWorld(), seedWorld);
  return { h, w };
}

const replies = (fx: Effect[]) => ofType(fx, "adminReply");
const logs = (fx: Effect[], msg: string) => ofType(fx, "log").filter((l) => l.msg === msg);

Deno.test("POST /restore fences every member, restores each from the same snapshot, and ends healthy", () => {
  const { h, w } = cluster();
  const oldIds = h.state.members.map((m) => m.memberId);
  w.holdOrders = true;
  const fx = settle(
    h,
    w,
    h.feed({ type: "restore", source: "admin", backup: backupRef(), requestId: 7 }),
    7,
  );
  assert.match(
    healthOf(h.state).reason,
    /^restoring: restore-1: fencing etcd-1,etcd-2,etcd-3 before/,
  );
  assert.equal(healthOf(h.state).healthy, false);
  w.holdOrders = false;
  for (const input of w.release()) fx.push(...settle(h, w, h.feed(input), 7));
  const [reply] = replies(fx);
  assert.equal(reply?.requestId, 7);
  assert.equal(reply?.accepted, true);
  assert.match(
    reply!.message,
    /^restore-1 started: fencing etcd-1,etcd-2,etcd-3, then restoring backup 20240102T030405006Z/,
  );
  assert.deepEqual(w.orders, [
    "stop etcd-1",
    "stop etcd-2",
    "stop etcd-3",
    "restore etcd-1",
    "restore etcd-2",
    "restore etcd-3",
  ]);
  const restores = ofType(fx, "executorOrder").filter((e) => e.order.op === "restore");
  const targets = restores.map((e) => e.order.restore!);
  assert.ok(targets.every((t) => t.url === backupRef().url && t.sha256 === backupRef().sha256));
  assert.equal(new Set(targets.map((t) => t.initialCluster)).size, 1, "one initial cluster");
  assert.equal(targets[0]!.initialCluster.split(",").length, 3);
  assert.equal(new Set(targets.map((t) => t.clusterToken)).size, 1, "one new token");
  const later = run(h, w, 10_000);
  assert.equal(logs([...fx, ...later], "RESTORE DONE: the cluster serves the backup").length, 1);
  assert.equal(h.state.restore?.run, undefined);
  assert.equal(h.state.restore?.done, 1);
  assert.equal(healthOf(h.state).healthy, true);
  assert.equal(h.state.members.length, 3);
  const newIds = h.state.members.map((m) => m.memberId);
  assert.ok(newIds.every((id, i) => id !== undefined && id !== oldIds[i]), "new member ids");
  assert.equal(ofType([...fx, ...later], "kill").length, 0, "nothing is killed");
  assert.equal(ofType([...fx, ...later], "etcdRemove").length, 0);
});

Deno.test("POST /restore refuses an unverified backup unless forced", () => {
  const { h, w } = cluster();
  const unverified = backupRef("20240101T000000000Z", false);
  const refused = replies(
    h.feed({ type: "restore", source: "admin", backup: unverified, requestId: 1 }),
  );
  assert.equal(refused[0]?.accepted, false);
  assert.match(refused[0]!.message, /backup 20240101T000000000Z is not verified .* "force": true/);
  assert.deepEqual(w.orders, []);
  const forced = h.feed({
    type: "restore",
    source: "admin",
    backup: unverified,
    force: true,
    requestId: 2,
  });
  assert.equal(replies(forced)[0]?.accepted, true);
});

Deno.test("POST /restore is refused while another restore runs and while a member is not running", () => {
  const { h, w } = cluster();
  w.holdOrders = true;
  h.feed({ type: "restore", source: "admin", backup: backupRef(), requestId: 1 });
  const again = replies(
    h.feed({ type: "restore", source: "admin", backup: backupRef(), requestId: 2 }),
  );
  assert.equal(again[0]?.accepted, false);
  assert.match(again[0]!.message, /a restore is already running \(restore-1\)/);
  assert.equal(h.state.reseed, undefined);
});

Deno.test("a failed restore on one member fails the restore loudly and restarts nothing", () => {
  const { h, w } = cluster();
  w.failRestore.add("etcd-2");
  const fx = settle(h, w, h.feed({ type: "restore", source: "admin", backup: backupRef() }), 7);
  const failed = logs(
    fx,
    "RESTORE FAILED: members are left as they are; the normal repair goes on",
  );
  assert.equal(failed.length, 1);
  assert.match(String(failed[0]!.fields.reason), /etcd-2: sha256 mismatch/);
  assert.equal(ofType(fx, "executorOrder").filter((e) => e.order.op === "restart").length, 0);
  assert.equal(h.state.restore?.run, undefined);
  assert.match(
    h.state.restore?.failed?.reason ?? "",
    /^restore-1 from backup 20240102T030405006Z: etcd-2/,
  );
});

Deno.test("a member that never confirms its fence abandons the restore before any data is touched", () => {
  const { h, w } = cluster();
  w.hangStop.add("etcd-3");
  const fx = settle(h, w, h.feed({ type: "restore", source: "admin", backup: backupRef() }), 7);
  fx.push(...run(h, w, 65_000));
  assert.equal(logs(fx, "restore abandoned: not every member confirmed its fence").length, 1);
  assert.equal(ofType(fx, "executorOrder").filter((e) => e.order.op === "restore").length, 0);
  assert.deepEqual(
    ofType(fx, "executorOrder").filter((e) => e.order.op === "restart").map((e) =>
      e.taskId.split(" ")[0]
    ),
    ["etcd-1", "etcd-2", "etcd-3"],
  );
  assert.equal(h.state.restore?.run, undefined);
});

/** Every member of a complete cluster ends: total loss. */
function totalLoss(): { h: Harness; w: RestoreWorld } {
  const { h, w } = cluster();
  const fx = ["etcd-1", "etcd-2", "etcd-3"].flatMap((n) => h.feed(w.end(n)));
  settle(h, w, fx, 7, { answerRevive: false });
  assert.equal(h.state.lost, true);
  return { h, w };
}

Deno.test("total loss with --auto-restore: after --reseed-timeout the first member is seeded from the newest verified backup", () => {
  const { h, w } = totalLoss();
  h.feed({ type: "backups", latest: backupRef(), autoRestore: true });
  const early = run(h, w, 50_000);
  assert.equal(w.seeded.length, 0, "not before --reseed-timeout (60 s)");
  assert.equal(ofType(early, "launch").length, 0);
  const fx = run(h, w, 30_000);
  assert.equal(logs(fx, "RESTORE: seeding a new cluster from a backup").length, 1);
  assert.equal(w.seeded[0], "etcd-4 20240102T030405006Z");
  fx.push(...run(h, w, 60_000));
  assert.equal(logs(fx, "RESTORE DONE: the seeded cluster is healthy; regrowing").length, 1);
  assert.equal(w.seeded.length, 1, "only the first member restores; the others join");
  assert.equal(h.state.members.filter((m) => m.taskState === "TASK_RUNNING").length, 3);
  assert.equal(healthOf(h.state).healthy, true);
  assert.equal(h.state.restore?.done, 1);
  assert.equal(h.state.lost, false);
});

Deno.test("total loss without --auto-restore, or without a verified backup, stays locked", () => {
  for (const known of [{ autoRestore: false, latest: backupRef() }, { autoRestore: true }]) {
    const { h, w } = totalLoss();
    h.feed({ type: "backups", ...known });
    const fx = run(h, w, 200_000);
    assert.equal(ofType(fx, "launch").length, 0);
    assert.equal(h.state.lost, true);
  }
});

Deno.test("POST /restore after total loss seeds a new cluster at once", () => {
  const { h, w } = totalLoss();
  const fx = settle(
    h,
    w,
    h.feed({ type: "restore", source: "admin", backup: backupRef(), requestId: 3 }),
    7,
  );
  assert.match(replies(fx)[0]!.message, /^seeding a new cluster from backup 20240102T030405006Z/);
  run(h, w, 60_000);
  assert.deepEqual(w.seeded, ["etcd-4 20240102T030405006Z"]);
  assert.equal(healthOf(h.state).healthy, true);
});

Deno.test("--restore-from seeds a brand-new framework's first member, and is ignored by a formed cluster", () => {
  const h = new Harness({ ...RESEED_OPTIONS, clusterSize: 3 });
  const w = new RestoreWorld();
  h.feed({ type: "restore", source: "restore-from", backup: backupRef() });
  settle(h, w, [...h.connect(), ...h.feed({ type: "offers", offers: [offer(1), offer(2)] })], 7);
  run(h, w, 30_000);
  assert.deepEqual(w.seeded, ["etcd-1 20240102T030405006Z"]);
  assert.equal(h.state.members.length, 3);
  assert.equal(h.state.restore?.done, 1);
  const ignored = h.feed({
    type: "restore",
    source: "restore-from",
    backup: backupRef("20240103T000000000Z"),
  });
  assert.equal(
    logs(ignored, "--restore-from ignored: this framework already has a cluster").length,
    1,
  );
});
