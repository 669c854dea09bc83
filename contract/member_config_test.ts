import assert from "node:assert/strict";
import {
  clientUrl,
  decodeMemberConfig,
  encodeMemberConfig,
  formatInitialCluster,
  type MemberConfig,
  MemberConfigError,
  parseInitialCluster,
  peerUrl,
  validateMemberConfig,
} from "./member_config.ts";

const good: MemberConfig = {
  name: "etcd-2",
  host: "10.0.0.2",
  peerPort: 31001,
  clientPort: 31002,
  initialCluster: "etcd-1=http://10.0.0.1:31000,etcd-2=http://10.0.0.2:31001",
  clusterState: "existing",
  clusterToken: "etcd-cluster-1",
  learner: true,
};

Deno.test("encodeMemberConfig() and decodeMemberConfig() round-trip a config", () => {
  const bytes = encodeMemberConfig(good);
  assert.deepEqual(decodeMemberConfig(bytes), good);
  assert.deepEqual(decodeMemberConfig(new TextDecoder().decode(bytes)), good);
});

Deno.test("a member config names the persistent volume its data is on", () => {
  const onVolume = { ...good, volume: "etcd_data" };
  assert.deepEqual(decodeMemberConfig(encodeMemberConfig(onVolume)), onVolume);
});

Deno.test("decodeMemberConfig() ignores unknown fields", () => {
  const text = JSON.stringify({ ...good, futureField: 1 });
  assert.deepEqual(decodeMemberConfig(text), good);
});

const bad: [string, Record<string, unknown> | string | undefined, string][] = [
  ["missing data", undefined, "data"],
  ["not JSON", "{nope", "data"],
  ["JSON array", "[1]", "data"],
  ["empty name", { ...good, name: "" }, "name"],
  ["name with space", { ...good, name: "etcd 2" }, "name"],
  ["host with comma", { ...good, host: "a,b" }, "host"],
  ["peerPort zero", { ...good, peerPort: 0 }, "peerPort"],
  ["peerPort string", { ...good, peerPort: "31001" }, "peerPort"],
  ["clientPort too big", { ...good, clientPort: 70000 }, "clientPort"],
  ["same ports", { ...good, clientPort: 31001 }, "clientPort"],
  ["initialCluster without self", {
    ...good,
    initialCluster: "etcd-1=http://10.0.0.1:31000",
  }, "initialCluster"],
  ["initialCluster with wrong own URL", {
    ...good,
    initialCluster: "etcd-2=http://10.0.0.2:9",
  }, "initialCluster"],
  ["initialCluster garbage", { ...good, initialCluster: "etcd-2" }, "initialCluster"],
  ["initialCluster duplicate", {
    ...good,
    initialCluster: "etcd-2=http://10.0.0.2:31001,etcd-2=http://10.0.0.3:31001",
  }, "initialCluster"],
  ["clusterState bogus", { ...good, clusterState: "old" }, "clusterState"],
  ["clusterToken empty", { ...good, clusterToken: "" }, "clusterToken"],
  ["learner not boolean", { ...good, learner: "yes" }, "learner"],
  ["volume path escaping the sandbox", { ...good, volume: "../x" }, "volume"],
  ["volume not a string", { ...good, volume: 1 }, "volume"],
  ["learner bootstrapping", {
    ...good,
    clusterState: "new",
    learner: true,
  }, "learner"],
];

for (const [what, input, field] of bad) {
  Deno.test(`decodeMemberConfig() rejects ${what}, naming field "${field}"`, () => {
    const data = typeof input === "object" ? JSON.stringify(input) : input;
    assert.throws(
      () => decodeMemberConfig(data),
      (e: unknown) => {
        assert.ok(e instanceof MemberConfigError);
        assert.equal(e.field, field);
        assert.match(e.message, new RegExp(`"${field}"`));
        return true;
      },
    );
  });
}

Deno.test("decodeMemberConfig() rejects bytes that are not UTF-8", () => {
  assert.throws(() => decodeMemberConfig(new Uint8Array([0xff, 0xfe])), MemberConfigError);
});

Deno.test("encodeMemberConfig() validates before encoding", () => {
  assert.throws(() => encodeMemberConfig({ ...good, peerPort: -1 }), /peerPort/);
});

Deno.test("formatInitialCluster() and parseInitialCluster() are inverse", () => {
  const entries = [
    { name: "etcd-1", peerUrl: peerUrl("h1", 2380) },
    { name: "etcd-2", peerUrl: peerUrl("::1", 2381) },
  ];
  const text = formatInitialCluster(entries);
  assert.equal(text, "etcd-1=http://h1:2380,etcd-2=http://[::1]:2381");
  assert.deepEqual(parseInitialCluster(text), entries);
});

Deno.test("clientUrl() builds http://host:port", () => {
  assert.equal(clientUrl("127.0.0.1", 2379), "http://127.0.0.1:2379");
});

Deno.test("peerUrl() and clientUrl() use https with tls", () => {
  assert.equal(peerUrl("h", 2380, { tls: true }), "https://h:2380");
  assert.equal(clientUrl("::1", 2379, { tls: true }), "https://[::1]:2379");
});

Deno.test("decodeMemberConfig() keeps tls and wants this member's https peer URL", () => {
  const tls: MemberConfig = {
    ...good,
    initialCluster: "etcd-1=https://10.0.0.1:31000,etcd-2=https://10.0.0.2:31001",
    tls: true,
  };
  assert.deepEqual(decodeMemberConfig(encodeMemberConfig(tls)), tls);
  assert.throws(
    () => decodeMemberConfig(JSON.stringify({ ...good, tls: true })),
    /"initialCluster".*https:\/\/10\.0\.0\.2:31001/,
  );
  assert.throws(() => decodeMemberConfig(JSON.stringify({ ...good, tls: "yes" })), /"tls"/);
});

Deno.test("validateMemberConfig() keeps a restore source and names a bad one", () => {
  const base = {
    name: "etcd-1",
    host: "h",
    peerPort: 2380,
    clientPort: 2379,
    initialCluster: "etcd-1=http://h:2380",
    clusterState: "new",
    clusterToken: "t",
    learner: false,
  };
  const restore = {
    backupId: "20240102T030405006Z",
    url: "http://s:1/b.db",
    sha256: "0".repeat(64),
  };
  assert.deepEqual(validateMemberConfig({ ...base, restore }).restore, restore);
  assert.throws(
    () => validateMemberConfig({ ...base, restore: { ...restore, url: "ftp://x" } }),
    /Invalid member config field "restore" .*expected an http\(s\) url/,
  );
});
