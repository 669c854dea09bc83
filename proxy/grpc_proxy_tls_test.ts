/**
 * etcd's grpc-proxy with `--tls` against a real etcd 3.4 running with mutual TLS: a client
 * with a certificate of the CA reads and writes through it, one without is refused.
 */
import assert from "node:assert/strict";
import { grpcQuorumRead } from "../lib/etcd/testing/grpc_read.ts";
import { startEtcd } from "../lib/etcd/testing/etcd_server.ts";
import { createTestPki } from "../lib/tls/testing/test_pki.ts";
import { grpcProxyArgs, GrpcProxyProcess } from "./grpc_proxy.ts";
import { tlsPaths } from "../lib/tls/files.ts";
import { freePort } from "../lib/free_ports.ts";

Deno.test("grpcProxyArgs() with tls: https endpoints, client and serving certificates", () => {
  const args = grpcProxyArgs({
    endpoints: ["http://h:1"],
    listenAddr: "127.0.0.1:2",
    dataDir: "/d",
    tls: tlsPaths("/t"),
  });
  assert.ok(args.includes("--endpoints=https://h:1"));
  for (const f of ["--cert=/t/cert.pem", "--cacert=/t/ca.pem", "--trusted-ca-file=/t/ca.pem"]) {
    assert.ok(args.includes(f), f);
  }
});

Deno.test("the grpc-proxy under TLS serves a client of the CA and refuses plain connections", async () => {
  const dir = await Deno.makeTempDir({ prefix: "proxy-tls-test-" });
  const pki = await createTestPki(dir);
  const server = await pki.issue("etcd0");
  const proxyId = await pki.issue("proxy", { commonName: "" });
  const client = await pki.issue("client", { usages: ["clientAuth"] });
  const etcd = await startEtcd({ dir, tls: { server: server.paths, client } });
  const listen = `127.0.0.1:${freePort()}`;
  const proxy = new GrpcProxyProcess({
    etcdPath: "/usr/bin/etcd",
    listenAddr: listen,
    dataDir: `${dir}/proxy`,
    tls: proxyId.paths,
  });
  try {
    await proxy.restart([etcd.clientUrl.replace("https://", "http://")]);
    // The grpc-proxy serves gRPC only (no JSON gateway): a gRPC client, as its users have.
    assert.match(await grpcQuorumRead(`https://${listen}`, { tls: client }), /^\d+$/);
    await assert.rejects(() => grpcQuorumRead(`http://${listen}`, { timeoutMs: 2000 }));
  } finally {
    await proxy.stop();
    await etcd.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
