import assert from "node:assert/strict";
import { Etcd3 } from "etcd3";
import { createEtcdAdminClient } from "../../lib/etcd/admin_client.ts";
import { createEtcdMaintenanceClient } from "../../lib/etcd/maintenance_client.ts";
import { startEtcd } from "../../lib/etcd/testing/etcd_server.ts";
import { fillUntilNospace, tryPut } from "../../lib/etcd/testing/fill_etcd.ts";
import type { EventFields, EventKind } from "../events/event.ts";
import { Maintainer } from "./maintainer.ts";
import { DEFAULT_COOLDOWNS, type MaintenanceMember } from "./plan.ts";

/** A maintainer over one real etcd seen as a healthy one-member cluster it leads. */
async function setUp(
  args: string[],
  settings: { defragThreshold: number; defragMinDbBytes: number },
) {
  const etcd = await startEtcd({ args });
  const admin = createEtcdAdminClient({ endpoints: [etcd.clientUrl] });
  const maintenance = createEtcdMaintenanceClient({ endpoints: [etcd.clientUrl] });
  const events: { kind: EventKind; reason: string; fields: EventFields }[] = [];
  const self = await admin.status(etcd.clientUrl);
  let sizes = { dbSize: self.dbSize, dbSizeInUse: self.dbSizeInUse };
  const member = (): MaintenanceMember => ({
    name: "etcd-1",
    memberId: self.memberId,
    clientUrl: etcd.clientUrl,
    leader: true,
    learner: false,
    reachable: true,
    ...sizes,
  });
  const maintainer = new Maintainer({
    etcd: maintenance,
    cluster: () => ({ members: [member()], mutable: true, healthy: true }),
    status: (endpoint) => admin.status(endpoint),
    record: (kind, reason, fields) => events.push({ kind, reason, fields }),
    settings: { ...DEFAULT_COOLDOWNS, ...settings },
  });
  /** A probe: the sizes etcd reports now. */
  const probe = async () => {
    const s = await admin.status(etcd.clientUrl);
    sizes = { dbSize: s.dbSize, dbSizeInUse: s.dbSizeInUse };
    return sizes;
  };
  const tearDown = async () => {
    await maintainer.stop();
    maintenance.close();
    admin.close();
    await etcd.stop();
  };
  return { etcd, maintainer, maintenance, events, probe, tearDown };
}

Deno.test("Maintainer clears a NOSPACE alarm of a real etcd: compact, defrag, disarm, each an event", async () => {
  const t = await setUp(["--quota-backend-bytes=2097152"], {
    defragThreshold: 0.5,
    defragMinDbBytes: 64 << 20,
  });
  try {
    await fillUntilNospace(t.etcd.clientUrl);
    assert.deepEqual((await t.maintenance.alarms()).map((a) => a.alarm), ["NOSPACE"]);
    await t.probe();
    await t.maintainer.round();
    assert.deepEqual(t.events.map((e) => e.kind), [
      "nospace.detected",
      "compact",
      "defrag",
      "disarm",
    ]);
    assert.match(t.events[0]!.reason, /NOSPACE \(space quota exhausted\) on etcd-1/);
    assert.match(t.events[1]!.reason, /compact the history to the current revision: revision \d+/);
    assert.match(t.events[2]!.reason, /NOSPACE: free the compacted space of etcd-1 .*; db now/);
    assert.ok(
      (t.events[2]!.fields.dbSizeAfter as number) < (t.events[2]!.fields.dbSizeBefore as number),
    );
    assert.match(t.events[3]!.reason, /NOSPACE of etcd-1: compacted and defragmented 1 member/);
    assert.deepEqual(await t.maintenance.alarms(), []);
    assert.equal(await tryPut(t.etcd.clientUrl), undefined, "etcd takes writes again");
    assert.deepEqual(t.maintainer.counters(), {
      defragmentations: 1,
      compactions: 1,
      alarms_disarmed: 1,
      nospace_alarms: 1,
      maintenance_failures: 0,
      nospace: 0,
    });
    await t.maintainer.round();
    assert.equal(t.events.length, 4, "nothing more to do");
  } finally {
    await t.tearDown();
  }
});

Deno.test("Maintainer defragments a real etcd once its fragmentation passes the threshold", async () => {
  const t = await setUp([], { defragThreshold: 0.5, defragMinDbBytes: 1 << 20 });
  const client = new Etcd3({ hosts: [t.etcd.clientUrl] });
  try {
    const value = "y".repeat(64 * 1024);
    for (let i = 0; i < 60; i++) await client.put(`big/${i}`).value(value);
    await t.probe();
    await t.maintainer.round();
    assert.equal(t.events.length, 0, "not fragmented yet");
    await client.delete().prefix("big/");
    await t.maintenance.compact(await t.maintenance.revision());
    // etcd frees the compacted pages with its next backend commits.
    let before = await t.probe();
    for (let i = 0; i < 50 && (before.dbSize - before.dbSizeInUse) / before.dbSize <= 0.5; i++) {
      await new Promise((r) => setTimeout(r, 100));
      await client.put("tick").value(String(i));
      before = await t.probe();
    }
    assert.ok((before.dbSize - before.dbSizeInUse) / before.dbSize > 0.5, JSON.stringify(before));
    await t.maintainer.round();
    assert.deepEqual(t.events.map((e) => e.kind), ["defrag"]);
    assert.match(
      t.events[0]!.reason,
      /fragmentation [01]\.\d\d of etcd-1 over --defrag-threshold 0\.5 \(db .*\); db now/,
    );
    assert.equal(t.events[0]!.fields.cause, "fragmentation");
    const after = await t.probe();
    assert.ok(after.dbSize < before.dbSize / 2, `${before.dbSize} → ${after.dbSize}`);
    await t.maintainer.round();
    assert.equal(t.events.length, 1, "once per cooldown, and no longer fragmented");
  } finally {
    client.close();
    await t.tearDown();
  }
});
