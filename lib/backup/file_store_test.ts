import assert from "node:assert/strict";
import { FileBackupStore } from "./file_store.ts";
import { checkStoreContract, pattern, recordFor, writeBackup } from "./testing/store_contract.ts";

Deno.test("FileBackupStore keeps the store contract", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "backup-file-" });
  try {
    await checkStoreContract(t, new FileBackupStore({ dir: `${dir}/nested/store` }), 3_000_000);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("FileBackupStore leaves only whole files: temp files are never listed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "backup-file-" });
  try {
    const store = new FileBackupStore({ dir });
    const bytes = pattern(5000);
    const r = await recordFor(bytes, Date.UTC(2024, 5, 1), 7);
    const up = await store.create(r.id);
    await up.write(bytes);
    const names = () => Array.from(Deno.readDirSync(dir)).map((e) => e.name).sort();
    assert.deepEqual(names(), [`.tmp-${r.id}.db`], "the object is a temp file until commit");
    await up.commit(r);
    assert.deepEqual(names(), [`${r.id}.db`, `${r.id}.json`]);
    // A crash between the object and its record: an object without a record is not listed.
    const r2 = await recordFor(bytes, Date.UTC(2024, 5, 2), 8);
    await writeBackup(store, bytes, r2);
    await Deno.remove(`${dir}/${r2.id}.json`);
    assert.deepEqual((await store.list()).map((x) => x.id), [r.id]);
    assert.equal(store.url, `file://${dir}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("FileBackupStore names a corrupt record", async () => {
  const dir = await Deno.makeTempDir({ prefix: "backup-file-" });
  try {
    await Deno.writeTextFile(`${dir}/20240101T000000000Z.json`, "{nope");
    await assert.rejects(
      () => new FileBackupStore({ dir }).list(),
      /Cannot parse backup record .*20240101T000000000Z\.json: not JSON/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
