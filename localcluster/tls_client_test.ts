import assert from "node:assert/strict";
import { parseConfig } from "../scheduler/config.ts";
import { etcdctlLine, prepareLocalTls } from "./tls_client.ts";
import { tlsPaths } from "../lib/tls/files.ts";

Deno.test("prepareLocalTls() keeps the CA in the work dir and makes a token file of its own", async () => {
  const work = await Deno.makeTempDir();
  try {
    const c = parseConfig(["--ephemeral", "--tls"], {});
    const tls = await prepareLocalTls(c, ["--tls"], work);
    assert.deepEqual(tls.args, [`--tls-dir=${work}/tls`, `--admin-token-file=${work}/admin-token`]);
    assert.equal(await Deno.readTextFile(`${work}/admin-token`), tls.token);
    assert.equal((await Deno.stat(`${work}/admin-token`)).mode! & 0o777, 0o600);
    const given = parseConfig(["--ephemeral", "--tls", "--admin-token=t"], {});
    assert.deepEqual(await prepareLocalTls(given, ["--tls-dir=/x"], work), {
      args: [],
      token: "t",
    });
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("etcdctlLine() names the endpoints and the client files", () => {
  assert.equal(
    etcdctlLine(["https://127.0.0.1:1", "https://127.0.0.1:2"], tlsPaths("/w/client")),
    "etcdctl --endpoints=https://127.0.0.1:1,https://127.0.0.1:2 --cacert=/w/client/ca.pem " +
      "--cert=/w/client/cert.pem --key=/w/client/key.pem endpoint health",
  );
});
