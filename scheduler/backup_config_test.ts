import assert from "node:assert/strict";
import { parseConfig } from "./config.ts";

const BASE = ["--ephemeral"];

Deno.test("backup flags: no store means no backups and no auto-restore", () => {
  const c = parseConfig(BASE, {});
  assert.equal(c.backup.store, undefined);
  assert.equal(c.backup.autoRestore, false);
  assert.equal(c.backup.intervalMs, 30 * 60_000);
  assert.equal(c.backup.keep, 24);
});

Deno.test("backup flags: a store turns auto-restore on; S3 settings and keep are read", () => {
  const c = parseConfig([
    ...BASE,
    "--backup-store=s3://bkt/etcd/prod",
    "--backup-s3-endpoint=http://127.0.0.1:9000",
    "-backup-s3-region=eu-west-1",
    "--backup-interval",
    "5m",
    "--backup-keep=3",
  ], {});
  assert.equal(c.backup.store, "s3://bkt/etcd/prod");
  assert.equal(c.backup.s3Endpoint, "http://127.0.0.1:9000");
  assert.equal(c.backup.s3Region, "eu-west-1");
  assert.equal(c.backup.intervalMs, 300_000);
  assert.equal(c.backup.keep, 3);
  assert.equal(c.backup.autoRestore, true);
  assert.equal(
    parseConfig([...BASE, "--backup-store=file:///b", "--auto-restore=false"], {})
      .backup.autoRestore,
    false,
  );
});

Deno.test("backup flags: environment fallbacks", () => {
  const c = parseConfig(BASE, { BACKUP_STORE: "file:///var/backups", AWS_REGION: "ap-south-1" });
  assert.equal(c.backup.store, "file:///var/backups");
  assert.equal(c.backup.s3Region, "ap-south-1");
});

Deno.test("backup flags: --restore-from takes a store and an optional backup id", () => {
  assert.deepEqual(parseConfig([...BASE, "--restore-from=file:///old"], {}).backup.restoreFrom, {
    store: "file:///old",
  });
  assert.deepEqual(
    parseConfig([...BASE, "--restore-from=s3://bkt/p#20240102T030405006Z"], {}).backup.restoreFrom,
    { store: "s3://bkt/p", id: "20240102T030405006Z" },
  );
});

Deno.test("backup flags: bad values are named", () => {
  assert.throws(
    () => parseConfig([...BASE, "--backup-store=/tmp/x"], {}),
    /Cannot parse --backup-store "\/tmp\/x": expected file:\/\/\/DIR or s3:\/\/BUCKET\/PREFIX/,
  );
  assert.throws(
    () => parseConfig([...BASE, "--restore-from=file:///a#latest"], {}),
    /Cannot parse --restore-from "file:\/\/\/a#latest"/,
  );
  assert.throws(() => parseConfig([...BASE, "--backup-keep=0"], {}), /--backup-keep "0"/);
  assert.throws(
    () => parseConfig([...BASE, "--backup-s3-endpoint=minio:9000"], {}),
    /--backup-s3-endpoint "minio:9000": expected http\(s\):\/\/host\[:port\]/,
  );
  assert.throws(
    () => parseConfig([...BASE, "--auto-restore"], {}),
    /--auto-restore needs --backup-store/,
  );
});

Deno.test("backup flags: encryption key files are absolute paths; the key needs a store", () => {
  const c = parseConfig([
    ...BASE,
    "--backup-store=file:///b",
    "--backup-encryption-key-file=/etc/k",
    "--backup-decryption-key-files=/etc/old1,/etc/old2",
  ], {});
  assert.equal(c.backup.encryptionKeyFile, "/etc/k");
  assert.deepEqual(c.backup.decryptionKeyFiles, ["/etc/old1", "/etc/old2"]);
  assert.throws(
    () => parseConfig([...BASE, "--backup-store=file:///b", "--backup-encryption-key-file=k"], {}),
    /--backup-encryption-key-file.*"k".*absolute path/,
  );
  assert.throws(
    () => parseConfig([...BASE, "--backup-decryption-key-files=/a,b"], {}),
    /--backup-decryption-key-files.*"\/a,b"/,
  );
  assert.throws(
    () => parseConfig([...BASE, "--backup-encryption-key-file=/etc/k"], {}),
    /--backup-encryption-key-file needs --backup-store/,
  );
});
