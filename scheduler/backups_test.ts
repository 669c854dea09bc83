import assert from "node:assert/strict";
import { FileBackupStore } from "../lib/backup/file_store.ts";
import { FakeClock } from "../lib/clock.ts";
import { startEtcd } from "../lib/etcd/testing/etcd_server.ts";
import { until } from "../lib/until.ts";
import { BackupBusyError } from "./admin/backup_routes.ts";
import { BackupService } from "./backups.ts";
import type { BackupRef } from "./core/restore_run.ts";

Deno.test("BackupService takes backups on schedule, one at a time, prunes to --backup-keep and tells the core", async () => {
  const etcd = await startEtcd();
  const dir = await Deno.makeTempDir({ prefix: "backup-service-" });
  const clock = new FakeClock(Date.UTC(2024, 0, 1));
  const told: (BackupRef | undefined)[] = [];
  let source: string | undefined = etcd.clientUrl;
  const service = new BackupService({
    store: new FileBackupStore({ dir: `${dir}/store` }),
    scratchDir: `${dir}/scratch`,
    etcd: "/usr/bin/etcd",
    etcdctl: "etcdctl",
    intervalMs: 60_000,
    keep: 1,
    source: () => source,
    snapshotUrl: (id) => `http://s/backups/${id}.db`,
    onLatest: (ref) => told.push(ref),
    clock,
  });
  try {
    service.start();
    await until(() => told.length > 0 || undefined, { timeoutMs: 5_000, what: "the listing" });
    assert.equal(told.at(-1), undefined, "an empty store: nothing to restore");
    clock.advance(60_000);
    await until(() => service.metrics().backups_total === 1 || undefined, {
      timeoutMs: 30_000,
      what: "the scheduled backup",
    });
    clock.advance(1_000); // ids are the start time
    const busy = service.take();
    await assert.rejects(() => service.take(), BackupBusyError);
    const second = await busy;
    assert.equal(second.verified, true, second.drill_error ?? "");
    const all = await service.list();
    assert.deepEqual(all.map((r) => r.id), [second.id], "keep 1: the older one is deleted");
    assert.equal(told.at(-1)?.id, second.id);
    assert.equal(told.at(-1)?.url, `http://s/backups/${second.id}.db`);
    const m = service.metrics();
    assert.equal(m.backups_total, 2);
    assert.equal(m.backup_last_verified, 1);
    assert.equal(m.backup_running, 0);
    source = undefined;
    await assert.rejects(() => service.take(), /no healthy member to take a snapshot from/);
    assert.equal(service.metrics().backup_failures_total, 1);
  } finally {
    await service.stop();
    await etcd.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
