import assert from "node:assert/strict";
import { parseConfig } from "./config.ts";
import { preflight } from "./preflight.ts";

const base = [
  "--master=127.0.0.1:5050",
  "--ephemeral",
  "--executor-uri=http://x/e.tgz",
  "--etcd-uri=http://x/etcd",
];

Deno.test("preflight(): a missing secret file names the flag and the path", async () => {
  const c = parseConfig(
    [...base, "--mesos-authentication-principal=p", "--mesos-authentication-secret-file=/nope"],
    {},
  );
  await assert.rejects(
    () => preflight(c),
    (e: Error) =>
      e instanceof TypeError && /--mesos-authentication-secret-file "\/nope"/.test(e.message),
  );
});

Deno.test("preflight(): an empty admin token file is refused; a good one is read without its newline", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/empty`, "");
    await Deno.writeTextFile(`${dir}/token`, "s3cret\n");
    await assert.rejects(
      () => preflight(parseConfig([...base, `--admin-token-file=${dir}/empty`], {})),
      /the file is empty/,
    );
    const ok = await preflight(parseConfig([...base, `--admin-token-file=${dir}/token`], {}));
    assert.equal(ok.adminToken, "s3cret");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("preflight(): backup key files are read before anything starts; a bad one names the file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/key`, "ab".repeat(32) + "\n");
    await Deno.writeTextFile(`${dir}/short`, "ab".repeat(20));
    const flags = (file: string) => [
      ...base,
      `--backup-store=file://${dir}/store`,
      `--backup-encryption-key-file=${dir}/${file}`,
    ];
    const pre = await preflight(parseConfig(flags("key"), {}));
    assert.equal(pre.backupKeys?.current?.id.length, 16);
    await assert.rejects(
      () => preflight(parseConfig(flags("short"), {})),
      /--backup-encryption-key-file: Cannot use backup key file .*\/short: it holds 40 hex characters/,
    );
    await assert.rejects(() => preflight(parseConfig(flags("none"), {})), /Cannot read/);
    assert.equal((await preflight(parseConfig(base, {}))).backupKeys, undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
