import assert from "node:assert/strict";
import { checkDownloadToken, downloadToken, keyProblem, loadBackupKeys } from "./key_files.ts";

Deno.test("loadBackupKeys(): the current key first, old keys after, repeats dropped; none: undefined", async () => {
  const dir = await Deno.makeTempDir({ prefix: "backup-keys-" });
  try {
    await Deno.writeTextFile(`${dir}/new`, "11".repeat(32));
    await Deno.writeFile(`${dir}/old`, new Uint8Array(32).fill(2));
    assert.equal(await loadBackupKeys(undefined, []), undefined);
    const keys = (await loadBackupKeys(`${dir}/new`, [`${dir}/old`, `${dir}/new`]))!;
    assert.equal(keys.all.length, 2);
    assert.equal(keys.current, keys.all[0]);
    const decryptOnly = (await loadBackupKeys(undefined, [`${dir}/old`]))!;
    assert.equal(decryptOnly.current, undefined, "no key to encrypt: new backups are plain");
    assert.equal(decryptOnly.all[0]!.id, keys.all[1]!.id);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadBackupKeys(): a missing or bad file names the flag and the file, never the content", async () => {
  const dir = await Deno.makeTempDir({ prefix: "backup-keys-" });
  try {
    await assert.rejects(
      loadBackupKeys(`${dir}/none`),
      /Cannot read --backup-encryption-key-file ".*\/none"/,
    );
    const content = "correct horse battery staple";
    await Deno.writeTextFile(`${dir}/pass`, content);
    await assert.rejects(loadBackupKeys(undefined, [`${dir}/pass`]), (e: Error) => {
      assert.match(e.message, /--backup-decryption-key-files: Cannot use backup key file .*\/pass/);
      assert.ok(!e.message.includes("horse"));
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("download tokens: one per backup id, checked in constant time; keyProblem() names key ids", async () => {
  const dir = await Deno.makeTempDir({ prefix: "backup-keys-" });
  try {
    await Deno.writeTextFile(`${dir}/k`, "33".repeat(32));
    const keys = (await loadBackupKeys(`${dir}/k`))!;
    const t = downloadToken(keys.tokenSecret, "20240101T000000000Z");
    assert.match(t, /^[0-9a-f]{32}$/);
    assert.ok(!t.includes("33".repeat(4)));
    assert.equal(checkDownloadToken(keys.tokenSecret, "20240101T000000000Z", t), true);
    assert.equal(checkDownloadToken(keys.tokenSecret, "20240101T000000001Z", t), false);
    assert.equal(checkDownloadToken(keys.tokenSecret, "20240101T000000000Z", null), false);
    const id = keys.current!.id;
    assert.equal(keyProblem({ id: "b" }, undefined), undefined, "a plain backup needs no key");
    assert.equal(keyProblem({ id: "b", encrypted: true, key_id: id }, keys), undefined);
    assert.equal(
      keyProblem({ id: "b", encrypted: true, key_id: "00ff00ff00ff00ff" }, keys),
      `backup b is encrypted with key 00ff00ff00ff00ff, and the keys given are ${id} ` +
        "(--backup-encryption-key-file, --backup-decryption-key-files)",
    );
    assert.match(
      keyProblem({ id: "b", encrypted: true, key_id: id }, undefined)!,
      /no key is given/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
