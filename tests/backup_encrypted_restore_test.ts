/**
 * End to end: an encrypted backup (`--backup-encryption-key-file`) and an in-place restore
 * from it. The local Mesos (1 master, 3 agents), the scheduler as a process with a file
 * store and a key. `POST /backups` takes a verified backup whose stored object holds no
 * value in plaintext; `POST /restore` brings every member back to it: the executors
 * download the decrypted snapshot from the scheduler with the backup's token (they never
 * get the key), check its SHA-256 and restore it.
 *
 * Set `KEEP_WORK=1` to keep the work directory.
 *
 * @module
 */
import assert from "node:assert/strict";
import { firstRestoreDone, startRestore, takeBackup, withStoreDir } from "./testing/backups.ts";
import { endpointsOf, readKey, writeKey } from "./testing/etcd.ts";
import { withWorld } from "./testing/world.ts";

const TOKEN = "backup-encrypted-token";
const VALUE = "encrypted-e2e-value-7d1f";

Deno.test("an encrypted backup is stored as ciphertext and POST /restore brings every member back to it", async () => {
  await withStoreDir("backup-encrypted-store-", async (store) => {
    await Deno.writeTextFile(`${store}/backup.key`, "5a".repeat(32) + "\n");
    await scenario(store);
  });
});

const scenario = (store: string) =>
  withWorld({
    name: "backup-encrypted",
    agents: 3,
    schedulerFlags: [
      "--framework-name=backup-encrypted",
      `--admin-token=${TOKEN}`,
      "--backup-interval=0",
      "--reseed-timeout=30s",
      `--backup-store=file://${store}/backups`,
      `--backup-scratch-dir=${store}/scratch`,
      `--backup-encryption-key-file=${store}/backup.key`,
    ],
  }, async (world) => {
    const { admin } = world;
    const members = await admin.waitHealthy(3, 90_000);
    world.mark("3 members healthy");
    await writeKey(endpointsOf(members), "backup/before", VALUE);

    const record = await takeBackup(admin, TOKEN);
    assert.equal(record.verified, true, record.drill_error ?? "");
    assert.equal(record.encrypted, true);
    assert.match(record.key_id!, /^[0-9a-f]{16}$/);
    const stored = await Deno.readFile(`${store}/backups/${record.id}.db`);
    assert.equal(stored.length, record.stored_size);
    assert.ok(!new TextDecoder("latin1").decode(stored).includes(VALUE), "no plaintext stored");
    world.mark(`encrypted backup ${record.id} taken (drill ${record.drill_ms} ms)`);

    await writeKey(endpointsOf(members), "backup/after", "lost by the restore");
    await startRestore(admin, TOKEN, record.id);
    world.mark("restore accepted");
    await firstRestoreDone(admin);
    const after = await admin.waitHealthy(3, 90_000);
    world.mark("restored and healthy");
    assert.equal(await readKey(endpointsOf(after), "backup/before"), VALUE);
    assert.equal(await readKey(endpointsOf(after), "backup/after"), null);
  });
