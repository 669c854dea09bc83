import assert from "node:assert/strict";
import { silentLogger } from "../../lib/log.ts";
import { ZkClient } from "../../lib/zk/client.ts";
import { ZkError } from "../../lib/zk/errors.ts";
import { startZooKeeper } from "../../lib/zk/testing/zookeeper_server.ts";
import { caNode, loadCa } from "./ca_source.ts";

const opts = { frameworkName: "etcd", now: Date.now(), logger: silentLogger };

Deno.test("loadCa() keeps a generated CA in ZooKeeper behind a digest ACL, and finds it again", async () => {
  const zk = await startZooKeeper();
  try {
    const url = `zk://${zk.url}/etcd-mesos`;
    const node = caNode(url, "etcd");
    assert.equal(node, "/etcd-mesos/etcd_tls_ca");
    const auth = { user: "sched", pass: "s3cret" };
    const first = await loadCa({ kind: "zookeeper", zk: url, node, auth }, opts);
    assert.equal(first.created, true);
    const again = await loadCa({ kind: "zookeeper", zk: url, node, auth }, opts);
    assert.equal(again.created, false);
    assert.equal(again.ca.certificatePem, first.ca.certificatePem);
    for (const who of [undefined, { user: "sched", pass: "wrong" }]) {
      const other = await ZkClient.connect(zk.url, who ? { auth: who } : {});
      try {
        await assert.rejects(
          () => other.getData(node),
          (e: unknown) => e instanceof ZkError && e.code === "NO_AUTH",
        );
      } finally {
        await other.close();
      }
    }
  } finally {
    await zk.stop();
  }
});

Deno.test("loadCa() keeps an ephemeral framework's CA in the TLS dir, key mode 0600", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const first = await loadCa({ kind: "dir", dir: `${dir}/tls` }, opts);
    assert.equal(first.created, true);
    assert.equal((await Deno.stat(`${dir}/tls/ca-key.pem`)).mode! & 0o777, 0o600);
    const again = await loadCa({ kind: "dir", dir: `${dir}/tls` }, opts);
    assert.equal(again.ca.certificatePem, first.ca.certificatePem);
    const files = await loadCa({
      kind: "files",
      certFile: `${dir}/tls/ca.pem`,
      keyFile: `${dir}/tls/ca-key.pem`,
    }, opts);
    assert.equal(files.ca.subject, "CN=etcd-mesos etcd CA");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
