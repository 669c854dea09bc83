import assert from "node:assert/strict";
import { etcdFlagProblem, mergeEtcdFlags, parseEtcdSpec } from "./etcd_spec.ts";

Deno.test("parseEtcdSpec() accepts an etcdUri and safe flags", () => {
  assert.deepEqual(
    parseEtcdSpec({
      etcdUri: "http://127.0.0.1:9/etcd",
      flags: ["--quota-backend-bytes=4294967296", "--auto-compaction-retention=1h"],
    }),
    {
      uri: "http://127.0.0.1:9/etcd",
      flags: ["--quota-backend-bytes=4294967296", "--auto-compaction-retention=1h"],
    },
  );
  assert.deepEqual(parseEtcdSpec({}), {});
  assert.deepEqual(parseEtcdSpec({ uri: "file:///opt/etcd" }), { uri: "file:///opt/etcd" });
});

Deno.test("parseEtcdSpec() refuses every framework-owned flag, naming each", () => {
  assert.throws(
    () => parseEtcdSpec({ flags: ["--name=x", "--data-dir=/tmp", "--initial-cluster=a=b"] }),
    (e: Error) =>
      e instanceof TypeError && /--name is set by the framework/.test(e.message) &&
      /--data-dir is set by the framework/.test(e.message) &&
      /--initial-cluster is set by the framework/.test(e.message),
  );
  assert.match(etcdFlagProblem("--listen-client-urls=http://x:1") ?? "", /listen-client-urls/);
  assert.match(etcdFlagProblem("--peer-cert-file=/x") ?? "", /set by the framework/);
});

Deno.test("parseEtcdSpec() refuses unknown flags, bad shapes and bad URIs with the value", () => {
  assert.match(etcdFlagProblem("--unsafe-no-fsync") ?? "", /"--unsafe-no-fsync".*not one of/);
  assert.match(etcdFlagProblem("quota-backend-bytes=1") ?? "", /expected --name=value/);
  assert.match(etcdFlagProblem("--log-level=a b") ?? "", /"--log-level=a b"/);
  assert.match(etcdFlagProblem(7) ?? "", /7 is not a string/);
  assert.throws(() => parseEtcdSpec({ flags: "--snapshot-count=1" }), /flags "--snapshot/);
  assert.throws(() => parseEtcdSpec({ etcdUri: "ftp://x/etcd" }), /etcdUri "ftp:\/\/x\/etcd"/);
  assert.throws(() => parseEtcdSpec({ etcdUri: 3 }), /etcdUri 3/);
  assert.throws(() => parseEtcdSpec([]), /Cannot use etcd spec \[\]/);
  assert.throws(
    () => parseEtcdSpec({ flags: ["--snapshot-count=1", "--snapshot-count=2"] }),
    /--snapshot-count given twice/,
  );
});

Deno.test("mergeEtcdFlags() lets a new flag replace an older one of the same name", () => {
  assert.deepEqual(
    mergeEtcdFlags(["--log-level=warn", "--snapshot-count=100"], ["--log-level=info"]),
    ["--snapshot-count=100", "--log-level=info"],
  );
  assert.deepEqual(mergeEtcdFlags([], ["--metrics=extensive"]), ["--metrics=extensive"]);
});

Deno.test("a restart order and a member config carry the etcd spec, checked on parse", async () => {
  const { encodeMaintenanceOrder, parseMaintenanceOrder } = await import("./orders.ts");
  const order = {
    op: "restart" as const,
    id: "rr-1",
    etcd: { uri: "http://h/etcd", flags: ["--snapshot-count=5000"] },
  };
  assert.deepEqual(parseMaintenanceOrder(encodeMaintenanceOrder(order)), order);
  assert.throws(
    () =>
      parseMaintenanceOrder(
        new TextEncoder().encode(`{"op":"restart","etcd":{"flags":["--name=x"]}}`),
      ),
    /"etcd".*--name is set by the framework/,
  );
  const { validateMemberConfig } = await import("./member_config.ts");
  const config = {
    name: "etcd-1",
    host: "h",
    peerPort: 1,
    clientPort: 2,
    initialCluster: "etcd-1=http://h:1",
    clusterState: "new",
    clusterToken: "t",
    learner: false,
  };
  const spec = { flags: ["--quota-backend-bytes=1"] };
  assert.deepEqual(validateMemberConfig({ ...config, etcd: spec }).etcd, spec);
  assert.throws(
    () => validateMemberConfig({ ...config, etcd: { etcdUri: "gopher://x" } }),
    /field "etcd".*gopher/,
  );
});
