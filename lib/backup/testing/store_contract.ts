/**
 * The behaviour every {@linkcode BackupStore} must have, as test steps run against each
 * store (file_store_test.ts, s3_store_test.ts).
 *
 * @module
 */
import assert from "node:assert/strict";
import { backupId, type BackupRecord } from "../record.ts";
import { BackupNotFoundError, type BackupStore } from "../store.ts";
import { sha256Hex } from "../sigv4.ts";

/** A record for `bytes` taken at `time` of `revision`. */
export async function recordFor(
  bytes: Uint8Array,
  time: number,
  revision: number,
  verified = true,
): Promise<BackupRecord> {
  return {
    id: backupId(time),
    time: new Date(time).toISOString(),
    revision: String(revision),
    keys: 3,
    size: bytes.length,
    sha256: await sha256Hex(bytes),
    verified,
    drill_ms: verified ? 12 : null,
    duration_ms: 5,
  };
}

/** Bytes `n` long with a recognisable pattern. */
export function pattern(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed * 7 + (i >> 13)) & 0xff;
  return out;
}

/** Writes `bytes` in chunks of `chunk` bytes and commits. */
export async function writeBackup(
  store: BackupStore,
  bytes: Uint8Array,
  record: BackupRecord,
  chunk = 65_536,
): Promise<void> {
  const up = await store.create(record.id);
  for (let at = 0; at < bytes.length; at += chunk) await up.write(bytes.subarray(at, at + chunk));
  await up.commit(record);
}

async function readAll(body: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(body).arrayBuffer());
}

/** Runs the contract against `store` (empty at first). `big` is the size of the large object. */
export async function checkStoreContract(
  t: Deno.TestContext,
  store: BackupStore,
  big: number,
): Promise<void> {
  const t0 = Date.UTC(2024, 0, 2, 3, 4, 5, 678);
  await t.step("an empty store lists nothing", async () => {
    assert.deepEqual(await store.list(), []);
  });
  const small = pattern(1000, 1);
  const large = pattern(big, 2);
  const r1 = await recordFor(small, t0, 10);
  const r2 = await recordFor(large, t0 + 60_000, 20, false);
  await t.step("a backup is listed only once committed", async () => {
    const up = await store.create(r1.id);
    await up.write(small);
    assert.deepEqual(await store.list(), []);
    await assert.rejects(() => store.open(r1.id), BackupNotFoundError);
    await up.commit(r1);
    assert.deepEqual(await store.list(), [r1]);
  });
  await t.step(
    "a large object round-trips byte for byte (parts when the store has them)",
    async () => {
      await writeBackup(store, large, r2, 1_000_003);
      const list = await store.list();
      assert.deepEqual(list.map((r) => r.id), [r2.id, r1.id], "newest first");
      assert.deepEqual(list[0], r2);
      const obj = await store.open(r2.id);
      assert.equal(obj.size, large.length);
      const back = await readAll(obj.body);
      assert.equal(back.length, large.length);
      assert.equal(await sha256Hex(back), r2.sha256);
    },
  );
  await t.step("an aborted upload leaves nothing listed", async () => {
    const r3 = await recordFor(small, t0 + 120_000, 30);
    const up = await store.create(r3.id);
    await up.write(small);
    await up.abort();
    await up.abort();
    assert.deepEqual((await store.list()).map((r) => r.id), [r2.id, r1.id]);
  });
  await t.step("remove() unlists a backup and its object", async () => {
    await store.remove(r1.id);
    assert.deepEqual((await store.list()).map((r) => r.id), [r2.id]);
    await assert.rejects(() => store.open(r1.id), BackupNotFoundError);
    await store.remove(r1.id); // again: nothing to do
  });
  await t.step("ids that are not backup ids are refused before touching the store", async () => {
    await assert.rejects(
      () => store.open("../etc/passwd"),
      /Cannot use backup id "..\/etc\/passwd"/,
    );
    await assert.rejects(() => store.create("x y"), RangeError);
  });
}
