import assert from "node:assert/strict";
import { etcdArgv, type EtcdMemberArgs, httpUrl } from "./argv.ts";

const member: EtcdMemberArgs = {
  name: "etcd-2",
  host: "10.0.0.7",
  peerPort: 31001,
  clientPort: 31002,
  initialCluster: "etcd-1=http://10.0.0.6:31000,etcd-2=http://10.0.0.7:31001",
  clusterState: "existing",
  clusterToken: "etcd-cluster-1",
};

Deno.test("etcdArgv() builds every flag of a joining member in a stable order", () => {
  assert.deepEqual(etcdArgv(member, { dataDir: "/sandbox/etcd_data" }), [
    "--name=etcd-2",
    "--data-dir=/sandbox/etcd_data",
    "--listen-peer-urls=http://10.0.0.7:31001",
    "--initial-advertise-peer-urls=http://10.0.0.7:31001",
    "--listen-client-urls=http://10.0.0.7:31002",
    "--advertise-client-urls=http://10.0.0.7:31002",
    "--initial-cluster=etcd-1=http://10.0.0.6:31000,etcd-2=http://10.0.0.7:31001",
    "--initial-cluster-state=existing",
    "--initial-cluster-token=etcd-cluster-1",
    "--strict-reconfig-check=true",
    "--logger=zap",
    "--log-outputs=stderr",
  ]);
});

Deno.test("etcdArgv() listens on listenHost but advertises the agent's host", () => {
  const args = etcdArgv({ ...member, host: "agent-3.example" }, {
    dataDir: "/d",
    listenHost: "0.0.0.0",
  });
  assert.deepEqual(args.filter((a) => a.includes("-urls=")), [
    "--listen-peer-urls=http://0.0.0.0:31001",
    "--initial-advertise-peer-urls=http://agent-3.example:31001",
    "--listen-client-urls=http://0.0.0.0:31002",
    "--advertise-client-urls=http://agent-3.example:31002",
  ]);
});

Deno.test("etcdArgv() adds --force-new-cluster only for a reseed, and extra args last", () => {
  assert.deepEqual(etcdArgv(member, { dataDir: "/d" }).includes("--force-new-cluster=true"), false);
  const args = etcdArgv(member, {
    dataDir: "/d",
    forceNewCluster: true,
    extraArgs: ["--log-level=debug"],
  });
  assert.deepEqual(args.slice(-2), ["--force-new-cluster=true", "--log-level=debug"]);
  assert.deepEqual(args.includes("--strict-reconfig-check=true"), true);
});

Deno.test("etcdArgv() rejects bad ports, states and spaced values naming them", () => {
  assert.throws(
    () => etcdArgv({ ...member, peerPort: 70000 }, { dataDir: "/d" }),
    { name: "RangeError", message: /peer port 70000/ },
  );
  assert.throws(
    () => etcdArgv({ ...member, clusterState: "old" as "new" }, { dataDir: "/d" }),
    { name: "TypeError", message: /"old"/ },
  );
  assert.throws(() => etcdArgv(member, { dataDir: "/my data" }), {
    name: "TypeError",
    message: /"\/my data"/,
  });
  assert.throws(() => etcdArgv({ ...member, clusterToken: "" }, { dataDir: "/d" }), TypeError);
});

Deno.test("httpUrl() brackets IPv6 literals only", () => {
  assert.deepEqual(httpUrl("::1", 2379), "http://[::1]:2379");
  assert.deepEqual(httpUrl("[::1]", 2379), "http://[::1]:2379");
  assert.deepEqual(httpUrl("127.0.0.1", 2379), "http://127.0.0.1:2379");
});

Deno.test("etcdArgv() with tls: https URLs, client and peer certificates required, no auto-tls", () => {
  const args = etcdArgv(member, {
    dataDir: "/d",
    tls: { certFile: "/s/tls/cert.pem", keyFile: "/s/tls/key.pem", caFile: "/s/tls/ca.pem" },
  });
  for (const a of args.filter((x) => /-urls=/.test(x))) assert.match(a, /=https:\/\//);
  for (
    const flag of [
      "--cert-file=/s/tls/cert.pem",
      "--key-file=/s/tls/key.pem",
      "--trusted-ca-file=/s/tls/ca.pem",
      "--client-cert-auth=true",
      "--peer-cert-file=/s/tls/cert.pem",
      "--peer-key-file=/s/tls/key.pem",
      "--peer-trusted-ca-file=/s/tls/ca.pem",
      "--peer-client-cert-auth=true",
    ]
  ) assert.ok(args.includes(flag), flag);
  assert.ok(!args.some((a) => a.includes("auto-tls")));
  assert.throws(
    () => etcdArgv(member, { dataDir: "/d", tls: { certFile: "", keyFile: "k", caFile: "c" } }),
    /TLS certificate file ""/,
  );
});
