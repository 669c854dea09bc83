import assert from "node:assert/strict";
import { createEtcdAdminClient } from "./admin_client.ts";
import { alarmTypeOf } from "./maintenance.ts";
import { createEtcdMaintenanceClient } from "./maintenance_client.ts";
import { startEtcd } from "./testing/etcd_server.ts";
import { fillUntilNospace, tryPut } from "./testing/fill_etcd.ts";

Deno.test("alarmTypeOf() reads etcd's enum by name or number and ignores NONE", () => {
  assert.equal(alarmTypeOf("NOSPACE"), "NOSPACE");
  assert.equal(alarmTypeOf("Nospace"), "NOSPACE");
  assert.equal(alarmTypeOf(2), "CORRUPT");
  assert.equal(alarmTypeOf("NONE"), undefined);
  assert.equal(alarmTypeOf(0), undefined);
});

Deno.test("maintenance client: a NOSPACE alarm is listed, then cleared by compact, defragment and disarm", async () => {
  const etcd = await startEtcd({ args: ["--quota-backend-bytes=2097152"] });
  const m = createEtcdMaintenanceClient({ endpoints: [etcd.clientUrl] });
  const admin = createEtcdAdminClient({ endpoints: [etcd.clientUrl] });
  try {
    assert.deepEqual(await m.alarms(), []);
    const filled = await fillUntilNospace(etcd.clientUrl);
    assert.ok(filled.puts > 5, `only ${filled.puts} puts before NOSPACE`);
    const alarms = await m.alarms();
    assert.equal(alarms.length, 1);
    assert.equal(alarms[0]!.alarm, "NOSPACE");
    const before = await admin.status(etcd.clientUrl);
    assert.equal(alarms[0]!.memberId, before.memberId);
    assert.ok(before.dbSizeInUse > 0 && before.dbSizeInUse <= before.dbSize);
    assert.match((await tryPut(etcd.clientUrl)) ?? "", /space exceeded/i);

    const revision = await m.revision();
    assert.ok(BigInt(revision) > BigInt(filled.puts));
    assert.deepEqual(await m.compact(revision), { revision, alreadyCompacted: false });
    assert.deepEqual(await m.compact(revision), { revision, alreadyCompacted: true });
    await m.defragment(etcd.clientUrl);
    const after = await admin.status(etcd.clientUrl);
    assert.ok(
      after.dbSize < before.dbSize,
      `db ${before.dbSize} → ${after.dbSize} bytes after defragmentation`,
    );
    assert.deepEqual(await m.disarm(alarms[0]!), []);
    assert.equal(await tryPut(etcd.clientUrl), undefined);
  } finally {
    m.close();
    admin.close();
    await etcd.stop();
  }
});

Deno.test("maintenance client: bad revisions and member ids are refused naming the value", async () => {
  const m = createEtcdMaintenanceClient({ endpoints: ["http://127.0.0.1:1"] });
  try {
    await assert.rejects(m.compact("0"), /revision "0"/);
    await assert.rejects(m.compact("x1"), /revision "x1"/);
    await assert.rejects(m.disarm({ memberId: "abc", alarm: "NOSPACE" }), /member "abc"/);
  } finally {
    m.close();
  }
});
