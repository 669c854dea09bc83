/**
 * End to end: backups and an in-place restore through the admin API. The local Mesos (1
 * master, 3 agents), the scheduler as a process with a file backup store. A key is
 * written, `POST /backups` takes a verified backup (restore drill included), a second key
 * is written, and `POST /restore` brings every member back to the backup: fenced, each
 * restored from the snapshot the scheduler serves, healthy again with 3 voting members,
 * the first key there and the second gone. An unverified backup is refused without
 * `force`.
 *
 * Set `KEEP_WORK=1` to keep the work directory.
 *
 * @module
 */
import assert from "node:assert/strict";
import { firstRestoreDone, startRestore, takeBackup, withStoreDir } from "./testing/backups.ts";
import { endpointsOf, readKey, writeKey } from "./testing/etcd.ts";
import { withWorld } from "./testing/world.ts";

const TOKEN = "backup-restore-token";

Deno.test("POST /backups takes a verified backup; POST /restore brings every member back to it", () =>
  withStoreDir("backup-restore-store-", restoreScenario));

const restoreScenario = (store: string) =>
  withWorld({
    name: "backup-restore",
    agents: 3,
    schedulerFlags: [
      "--framework-name=backup-restore",
      `--admin-token=${TOKEN}`,
      "--backup-interval=0",
      "--reseed-timeout=30s",
      `--backup-store=file://${store}`,
      `--backup-scratch-dir=${store}/scratch`,
    ],
  }, async (world) => {
    const { admin } = world;
    const members = await admin.waitHealthy(3, 90_000);
    world.mark("3 members healthy");
    await writeKey(endpointsOf(members), "backup/before", "kept");

    const record = await takeBackup(admin, TOKEN);
    assert.equal(record.verified, true, record.drill_error ?? "");
    assert.ok(record.keys! >= 1);
    world.mark(`backup ${record.id} taken (drill ${record.drill_ms} ms)`);
    const listed = await (await fetch(`${admin.url}/backups`)).json();
    assert.deepEqual(listed.backups.map((r: { id: string }) => r.id), [record.id]);
    assert.match(await admin.metrics(), /^etcd_mesos_backups_total 1$/m);

    await writeKey(endpointsOf(members), "backup/after", "lost by the restore");
    const answer = await startRestore(admin, TOKEN, record.id);
    assert.match(answer, /^restoring: restore-1 started: fencing /);
    world.mark("restore accepted");
    await firstRestoreDone(admin);
    const after = await admin.waitHealthy(3, 90_000);
    world.mark("restored and healthy");
    assert.deepEqual(
      after.map((m) => m.taskId).sort(),
      members.map((m) => m.taskId).sort(),
      "same tasks",
    );
    assert.equal(await readKey(endpointsOf(after), "backup/before"), "kept");
    assert.equal(await readKey(endpointsOf(after), "backup/after"), null);
    assert.ok(after.every((m, i) => m.memberId !== members[i]!.memberId), "new member ids");
  });
