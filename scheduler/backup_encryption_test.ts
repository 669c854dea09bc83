import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { startEtcd } from "../lib/etcd/testing/etcd_server.ts";
import { putKey } from "../lib/backup/testing/etcd_put.ts";
import { S3RVER_CREDENTIALS, startS3Server } from "../lib/backup/testing/s3_server.ts";
import { restoreDrill } from "../lib/backup/drill.ts";
import { snapshotStatus } from "../lib/backup/etcdctl.ts";
import { loadBackupKeys } from "../lib/backup/key_files.ts";
import { openBackupStore } from "../lib/backup/open_store.ts";
import type { BackupRecord } from "../lib/backup/record.ts";
import { attachedBackups } from "./testing/attached_backups.ts";

const MARKER = "plaintext-marker-5f2c9a";

function contains(bytes: Uint8Array, text: string): boolean {
  return new TextDecoder("latin1").decode(bytes).includes(text);
}

/** A scheduler's backups on `store` with the key flags `keyFlags`, attached to `etcd`. */
async function scheduler(store: string[], keyFlags: string[], clientUrl: string, dir: string) {
  const { backups, pushed, asked } = await attachedBackups(
    [...store, `--backup-scratch-dir=${dir}/scratch`, ...keyFlags],
    clientUrl,
    {
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    },
  );
  /** The ref POST /restore hands the core, or the refusal. */
  const restore = async (id: string) => {
    const answer = await backups.admin.restore(id, false);
    return { answer, ref: asked.at(-1)?.backup };
  };
  const latest = () => {
    const last = pushed.filter((i) => i.type === "backups").at(-1);
    return last?.type === "backups" ? last.latest : undefined;
  };
  return { backups, restore, latest };
}

async function download(
  backups: { route(path: string, req: Request): Promise<Response | undefined> },
  url: string,
): Promise<Response> {
  return (await backups.route(new URL(url).pathname, new Request(url)))!;
}

/** The whole scenario on one store (file or S3). */
async function scenario(store: string[], raw: (r: BackupRecord) => Promise<Uint8Array>) {
  const etcd = await startEtcd();
  const dir = await Deno.makeTempDir({ prefix: "backup-encryption-" });
  try {
    for (let i = 0; i < 4; i++) await putKey(etcd.clientUrl, `k${i}`, `${MARKER}-${i}`);
    await Deno.writeTextFile(`${dir}/a.key`, "ab".repeat(32) + "\n");
    await Deno.writeFile(`${dir}/b.key`, crypto.getRandomValues(new Uint8Array(32)));
    const keyA = await loadBackupKeys(`${dir}/a.key`);
    const keyB = await loadBackupKeys(`${dir}/b.key`);

    // Taken with key A: committed encrypted, verified by a drill of what was stored.
    const a = await scheduler(
      store,
      [`--backup-encryption-key-file=${dir}/a.key`],
      etcd.clientUrl,
      dir,
    );
    const record = await a.backups.service.take();
    assert.equal(record.verified, true, record.drill_error ?? "");
    assert.equal(record.keys, 4);
    assert.equal(record.revision, "5");
    assert.equal(record.encrypted, true);
    assert.equal(record.key_id, keyA!.current!.id);
    assert.deepEqual((await a.backups.admin.list()).backups, [record]);

    // The stored object is ciphertext: no value in it, not a snapshot etcdctl reads.
    const stored = await raw(record);
    assert.equal(stored.length, record.stored_size);
    assert.ok(!contains(stored, MARKER), "no plaintext value in the stored object");
    assert.equal(new TextDecoder().decode(stored.subarray(0, 8)), "EMBKENC1");
    await Deno.writeFile(`${dir}/stored.db`, stored);
    await assert.rejects(snapshotStatus("etcdctl", `${dir}/stored.db`));

    // POST /restore hands the core a URL with a token; the scheduler serves the plaintext.
    const { answer, ref } = await a.restore(record.id);
    assert.equal(answer?.accepted, true);
    assert.match(
      ref!.url,
      new RegExp(`^http://sched:12300/backups/${record.id}\\.db\\?t=[0-9a-f]{32}$`),
    );
    assert.equal(ref!.sha256, record.sha256);
    assert.equal(a.latest()?.url, ref!.url, "auto-restore knows it");
    const served = await download(a.backups, ref!.url);
    assert.equal(served.status, 200);
    const plain = new Uint8Array(await served.arrayBuffer());
    assert.equal(plain.length, record.size);
    assert.equal(createHash("sha256").update(plain).digest("hex"), record.sha256);
    assert.ok(contains(plain, MARKER), "the decrypted snapshot holds the values");
    // ...which restores: the drill's etcdctl restore + etcd on it serves every key.
    await Deno.writeFile(`${dir}/plain.db`, plain);
    const drill = await restoreDrill({
      file: `${dir}/plain.db`,
      revision: record.revision,
      etcd: "/usr/bin/etcd",
      etcdctl: "etcdctl",
      scratchDir: dir,
    });
    assert.equal(drill.ok, true, drill.error ?? "");
    assert.equal(drill.keys, 4);
    // Without its token, or with another's, no plaintext.
    for (const url of [ref!.url.replace(/\?.*/, ""), ref!.url.replace(/t=./, "t=x")]) {
      const refused = await download(a.backups, url);
      assert.equal(refused.status, 403);
      assert.match(await refused.text(), /: its URL's token is needed/);
    }

    // A scheduler holding key B only refuses it, naming both key ids.
    const b = await scheduler(
      store,
      [`--backup-encryption-key-file=${dir}/b.key`],
      etcd.clientUrl,
      dir,
    );
    await b.backups.admin.list();
    assert.equal(b.latest(), undefined, "no automatic restore from a backup it cannot read");
    const refused = await b.restore(record.id);
    assert.equal(refused.answer?.accepted, false);
    assert.match(
      refused.answer!.message,
      new RegExp(
        `encrypted with key ${keyA!.current!.id}, and the keys given are ${keyB!.current!.id}`,
      ),
    );
    // Nor is it served: no URL of this scheduler's carries a token for it.
    const bad = await download(b.backups, `http://sched:12300/backups/${record.id}.db`);
    assert.equal(bad.status, 403);
    await bad.body?.cancel();
    for (const s of [a, b]) await s.backups.stop();

    // After a rotation to B, A as a decryption key restores the old backup.
    const rotated = await scheduler(
      store,
      [
        `--backup-encryption-key-file=${dir}/b.key`,
        `--backup-decryption-key-files=${dir}/a.key`,
      ],
      etcd.clientUrl,
      dir,
    );
    const again = await rotated.restore(record.id);
    assert.equal(again.answer?.accepted, true);
    const body = await download(rotated.backups, again.ref!.url);
    assert.equal(
      createHash("sha256").update(new Uint8Array(await body.arrayBuffer())).digest("hex"),
      record.sha256,
    );
    await rotated.backups.stop();
  } finally {
    await etcd.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("encrypted backups in a file store: stored as ciphertext, drilled, served decrypted with a token, refused with another key, restored after a rotation", async () => {
  const dir = await Deno.makeTempDir({ prefix: "backup-encryption-store-" });
  try {
    await scenario([`--backup-store=file://${dir}`], (r) => Deno.readFile(`${dir}/${r.id}.db`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("encrypted backups in S3 (a real s3rver): the same", async () => {
  const s3 = await startS3Server(["backups"]);
  try {
    await scenario(
      [`--backup-store=s3://backups/etcd`, `--backup-s3-endpoint=${s3.endpoint}`],
      async (r) => {
        // The raw stored object, read with the store itself (signed GET).
        const store = openBackupStore("s3://backups/etcd", { endpoint: s3.endpoint }, {
          AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
        });
        return new Uint8Array(await new Response((await store.open(r.id)).body).arrayBuffer());
      },
    );
  } finally {
    await s3.stop();
  }
});
