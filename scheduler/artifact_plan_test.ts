import assert from "node:assert/strict";
import { parseConfig } from "./config.ts";
import { artifactBindAddress, artifactPlan, executorArgs } from "./artifact_plan.ts";
import { executorCommand } from "../contract/executor_command.ts";

const ZK = "--zk-framework-persist=zk://127.0.0.1:2181/etcd-mesos";
const served = (name: string) => `http://10.0.0.5:12300/${name}`;

Deno.test("artifactPlan() serves --executor-bin and --etcd-bin by default", () => {
  const c = parseConfig([ZK, "--executor-bin=/opt/dist/etcd-mesos-executor.tar.gz"], {});
  const plan = artifactPlan(c);
  assert.deepEqual(plan.files, [
    { name: "etcd-mesos-executor.tar.gz", path: "/opt/dist/etcd-mesos-executor.tar.gz" },
    { name: "etcd", path: "./bin/etcd" },
  ]);
  assert.equal(plan.flags["etcd"], "--etcd-bin");
  assert.deepEqual(plan.uris(served), {
    executorUri: "http://10.0.0.5:12300/etcd-mesos-executor.tar.gz",
    etcdUri: "http://10.0.0.5:12300/etcd",
  });
});

Deno.test("artifactPlan() uses --executor-uri and --etcd-uri as given and serves nothing", () => {
  const c = parseConfig([
    ZK,
    "--executor-uri=/srv/etcd-mesos-executor.tar.gz",
    "--etcd-uri=http://repo/etcd",
  ], {});
  const plan = artifactPlan(c);
  assert.deepEqual(plan.files, []);
  assert.deepEqual(plan.uris(() => assert.fail("nothing is served")), {
    executorUri: "/srv/etcd-mesos-executor.tar.gz",
    etcdUri: "http://repo/etcd",
  });
});

Deno.test("artifactPlan() keeps an etcd archive's name and rejects unusable file names", () => {
  const c = parseConfig([ZK, "--etcd-bin=/x/etcd-v3.4.30-linux-amd64.tar.gz"], {});
  assert.equal(artifactPlan(c).files[1]?.name, "etcd-v3.4.30-linux-amd64.tar.gz");
  const bad = parseConfig([ZK, "--executor-bin=/x/my exec"], {});
  assert.throws(() => artifactPlan(bad), /--executor-bin "\/x\/my exec"/);
});

const COMPACTION = [
  "--etcd-arg=--auto-compaction-mode=periodic",
  "--etcd-arg=--auto-compaction-retention=1h",
];

Deno.test("executorArgs() passes verbosity and JSON logging on", () => {
  assert.deepEqual(executorArgs(parseConfig([ZK], {})), COMPACTION);
  assert.deepEqual(executorArgs(parseConfig([ZK, "-v=2", "--log-json"], {})), [
    "-v=2",
    "--log-json",
    ...COMPACTION,
  ]);
});

Deno.test("executorArgs() gives every etcd the auto-compaction flags", () => {
  assert.deepEqual(
    executorArgs(parseConfig([ZK, "--auto-compaction-mode=revision"], {})),
    ["--etcd-arg=--auto-compaction-mode=revision", "--etcd-arg=--auto-compaction-retention=1000"],
  );
  assert.deepEqual(executorArgs(parseConfig([ZK, "--auto-compaction-retention=30m"], {})), [
    "--etcd-arg=--auto-compaction-mode=periodic",
    "--etcd-arg=--auto-compaction-retention=30m",
  ]);
});

Deno.test("artifactBindAddress() binds IP literals and all interfaces for host names", () => {
  assert.equal(artifactBindAddress("127.0.0.1"), "127.0.0.1");
  assert.equal(artifactBindAddress("::1"), "::1");
  assert.equal(artifactBindAddress("node1.example.com"), "0.0.0.0");
});

Deno.test("artifactPlan() serves etcdctl next to a plain etcd, and agents fetch it as ./etcdctl", () => {
  const c = parseConfig(
    [ZK, "--executor-bin=/d/etcd-mesos-executor.tar.gz", "--etcd-bin=/b/etcd"],
    {},
  );
  const plan = artifactPlan(c, "/b/etcdctl");
  assert.deepEqual(plan.files.map((f) => [f.name, f.path]), [
    ["etcd-mesos-executor.tar.gz", "/d/etcd-mesos-executor.tar.gz"],
    ["etcd", "/b/etcd"],
    ["etcdctl", "/b/etcdctl"],
  ]);
  assert.equal(plan.flags["etcdctl"], "--etcdctl-bin");
  const uris = plan.uris((name) => `http://s:1/${name}`);
  assert.equal(uris.etcdctlUri, "http://s:1/etcdctl");
  const fetched = executorCommand(uris).uris?.find((u) => u.output_file === "etcdctl");
  assert.deepEqual(fetched, {
    value: "http://s:1/etcdctl",
    executable: true,
    extract: false,
    cache: true,
    output_file: "etcdctl",
  });
  // Without an etcdctl file, or with an etcd archive (which carries its own), none is served.
  assert.equal(artifactPlan(c).uris(() => "u").etcdctlUri, undefined);
  const archive = parseConfig([ZK, "--etcd-bin=/b/etcd-v3.4.30-linux-amd64.tar.gz"], {});
  assert.equal(artifactPlan(archive, "/b/etcdctl").files.length, 2);
});
