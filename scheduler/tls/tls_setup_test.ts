import assert from "node:assert/strict";
import { silentLogger } from "../../lib/log.ts";
import { parseConfig } from "../config.ts";
import { caSourceOf, setupTls } from "./tls_setup.ts";

Deno.test("--admin-tls: the admin API is served over https with a certificate of the CA", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const c = parseConfig(["--ephemeral", "--tls", "--admin-tls", `--tls-dir=${dir}/tls`], {});
    const tls = await setupTls(c, { address: "127.0.0.1", logger: silentLogger });
    assert.ok(tls.adminServe);
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {}, ...tls.adminServe },
      () => new Response("ok"),
    );
    const client = Deno.createHttpClient({ caCerts: [tls.admin.caPem()] });
    try {
      for (const host of ["127.0.0.1", "localhost"]) {
        const res = await fetch(`https://${host}:${server.addr.port}/`, { client });
        assert.equal(await res.text(), "ok", host);
      }
      await assert.rejects(() => fetch(`https://127.0.0.1:${server.addr.port}/`));
    } finally {
      client.close();
      tls.stop();
      await server.shutdown();
    }
    assert.ok(!JSON.stringify(tls.admin.events()).includes("PRIVATE KEY"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("caSourceOf() refuses a ZooKeeper CA without a digest identity, saying what to give", async () => {
  const c = parseConfig(["--zk-framework-persist=zk://127.0.0.1:2181/etcd-mesos", "--tls"], {});
  await assert.rejects(() => caSourceOf(c), /--tls-zk-auth-file/);
  const withAuth = parseConfig(
    ["--zk-framework-persist=zk://u:p@127.0.0.1:2181/etcd-mesos", "--tls"],
    {},
  );
  assert.deepEqual(await caSourceOf(withAuth), {
    kind: "zookeeper",
    zk: "zk://u:p@127.0.0.1:2181/etcd-mesos",
    node: "/etcd-mesos/etcd_tls_ca",
    auth: { user: "u", pass: "p" },
  });
});
