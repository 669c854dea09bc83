import assert from "node:assert/strict";
import { S3BackupStore } from "./s3_store.ts";
import { S3Client, S3Error } from "./s3_client.ts";
import { S3RVER_CREDENTIALS, startS3Server } from "./testing/s3_server.ts";
import { checkStoreContract, pattern, recordFor, writeBackup } from "./testing/store_contract.ts";

const MiB = 1024 * 1024;

Deno.test("S3BackupStore keeps the store contract against a real S3 server (s3rver)", async (t) => {
  const s3 = await startS3Server(["backups"]);
  try {
    const store = new S3BackupStore({
      endpoint: s3.endpoint,
      region: "us-east-1",
      bucket: "backups",
      prefix: "etcd/prod",
      credentials: S3RVER_CREDENTIALS,
      partBytes: 5 * MiB,
    });
    // 12 MiB + a bit: three parts of a multipart upload, the last one short.
    await checkStoreContract(t, store, 12 * MiB + 12345);
    assert.equal(store.url, "s3://backups/etcd/prod");
  } finally {
    await s3.stop();
  }
});

Deno.test("S3 store: objects are under the prefix, a small one is a single PUT", async () => {
  const s3 = await startS3Server(["b"]);
  try {
    const opts = {
      endpoint: s3.endpoint,
      region: "us-east-1",
      bucket: "b",
      credentials: S3RVER_CREDENTIALS,
    };
    const store = new S3BackupStore({ ...opts, prefix: "p" });
    const bytes = pattern(4096);
    const r = await recordFor(bytes, Date.UTC(2024, 1, 1), 5);
    await writeBackup(store, bytes, r);
    const keys = (await new S3Client(opts).list("")).sort();
    assert.deepEqual(keys, [`p/${r.id}.db`, `p/${r.id}.json`]);
    // Another prefix in the same bucket sees nothing.
    assert.deepEqual(await new S3BackupStore({ ...opts, prefix: "q" }).list(), []);
  } finally {
    await s3.stop();
  }
});

Deno.test("S3 client: an unknown access key and a missing key are refused with S3's error codes", async () => {
  const s3 = await startS3Server(["b"]);
  try {
    const client = new S3Client({
      endpoint: s3.endpoint,
      region: "us-east-1",
      bucket: "b",
      // s3rver checks the access key but not V4 signatures (sigv4_test.ts checks those
      // against AWS's published examples).
      credentials: { accessKeyId: "NOBODY", secretAccessKey: "wrong" },
    });
    await assert.rejects(
      () => client.put("k", new Uint8Array([1])),
      (e: unknown) => e instanceof S3Error && e.status === 403 && e.code === "InvalidAccessKeyId",
    );
    await assert.rejects(
      () =>
        new S3Client({
          endpoint: s3.endpoint,
          region: "us-east-1",
          bucket: "b",
          credentials: S3RVER_CREDENTIALS,
        }).get("missing"),
      (e: unknown) => e instanceof S3Error && e.status === 404 && e.code === "NoSuchKey",
    );
  } finally {
    await s3.stop();
  }
});

Deno.test("S3BackupStore refuses parts under 5 MiB and a bad endpoint", () => {
  const base = { region: "r", bucket: "b", prefix: "", credentials: S3RVER_CREDENTIALS };
  assert.throws(
    () => new S3BackupStore({ ...base, endpoint: "http://h:1", partBytes: 1024 }),
    /part size 1024/,
  );
  assert.throws(() => new S3BackupStore({ ...base, endpoint: "h:1" }), /S3 endpoint "h:1"/);
});
