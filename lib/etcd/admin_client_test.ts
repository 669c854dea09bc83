import assert from "node:assert/strict";
import { createEtcdAdminClient } from "./admin_client.ts";
import { EtcdAdminError } from "./admin_errors.ts";
import { normalizeEndpoint } from "./endpoints.ts";
import { startEtcd } from "./testing/etcd_server.ts";
import { type EtcdJoiner, startJoiner } from "./testing/etcd_joiner.ts";
import { kindOf } from "./testing/admin_error_kind.ts";
import { freePort } from "../free_ports.ts";
import { until } from "../until.ts";

async function retry<T>(what: string, fn: () => Promise<T>, retryKind: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof EtcdAdminError) || err.kind !== retryKind) throw err;
      if (Date.now() > deadline) throw new Error(`${what} kept failing: ${err.message}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

Deno.test("status() describes exactly the member asked, with decimal uint64 strings", async () => {
  const etcd = await startEtcd();
  const admin = createEtcdAdminClient({ endpoints: [etcd.clientUrl] });
  try {
    const [member] = await admin.memberList();
    assert.ok(member);
    assert.equal(member.name, etcd.name);
    assert.deepEqual(member.peerUrls, [etcd.peerUrl]);
    assert.deepEqual(member.clientUrls, [etcd.clientUrl]);
    assert.match(member.id, /^[1-9]\d*$/);
    const s = await admin.status(etcd.clientUrl);
    assert.equal(s.memberId, member.id);
    assert.equal(s.leader, member.id);
    assert.equal(s.isLearner, false);
    assert.ok(BigInt(s.raftIndex) > 0n && BigInt(s.raftTerm) > 0n);
    assert.match(s.version, /^3\.\d+\.\d+/);
    assert.ok(s.dbSize > 0);
    assert.equal(s.endpoint, normalizeEndpoint(etcd.clientUrl));
    const read = await admin.linearizableRead();
    assert.equal(read.memberId, member.id);
    assert.match(read.revision, /^\d+$/);
    const hash = await admin.hashKV(etcd.clientUrl);
    assert.equal(hash.memberId, member.id);
    assert.match(hash.hash, /^\d+$/);
  } finally {
    admin.close();
    await etcd.stop();
  }
});

Deno.test("addLearner(), promote() and remove() take a second etcd through a learner join", async () => {
  const etcd = await startEtcd({ name: "seed" });
  const admin = createEtcdAdminClient({ endpoints: [etcd.clientUrl], timeoutMs: 5000 });
  let joiner: EtcdJoiner | undefined;
  try {
    const peerPort = freePort();
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    const added = await admin.addLearner([peerUrl]);
    assert.equal(added.learner, true);
    assert.equal(added.member.isLearner, true);
    assert.deepEqual(added.member.peerUrls, [peerUrl]);
    assert.equal(added.members.length, 2);
    assert.equal(await kindOf(admin.addLearner([peerUrl])), "peer-url-exists");
    const other = `http://127.0.0.1:${freePort()}`;
    assert.equal(await kindOf(admin.addLearner([other])), "too-many-learners");

    joiner = await startJoiner("learner", peerPort, `seed=${etcd.peerUrl},learner=${peerUrl}`);
    const ls = await admin.status(joiner.clientUrl);
    assert.equal(ls.isLearner, true);
    assert.equal(ls.memberId, added.member.id);
    assert.equal(await kindOf(admin.memberList({ endpoints: [joiner.clientUrl] })), "learner-rpc");
    assert.equal(
      (await admin.memberList({ endpoints: [joiner.clientUrl, etcd.clientUrl] })).length,
      2,
      "a cluster call did not move past the learner",
    );

    const members = await retry(
      "promote",
      () => admin.promote(added.member.id),
      "learner-not-ready",
    );
    assert.deepEqual(members.map((m) => m.isLearner), [false, false]);
    // The joiner applies its promotion when the leader's entry reaches it: soon, not at once.
    const promoted = joiner;
    await until(async () => (await admin.status(promoted.clientUrl)).isLearner === false, {
      timeoutMs: 10_000,
      what: "the joiner to report itself a voter",
    });
    assert.equal(await kindOf(admin.promote(added.member.id)), "not-learner");

    const seedHash = await admin.hashKV(etcd.clientUrl);
    const joinerHash = await admin.hashKV(joiner.clientUrl, seedHash.revision);
    assert.equal(joinerHash.hash, seedHash.hash);

    // Strict reconfiguration refuses to remove a voter until the rest have been connected
    // for a while (etcd's health interval, 5 s).
    const after = await retry("remove", () => admin.remove(added.member.id), "unhealthy-cluster");
    assert.deepEqual(after.map((m) => m.name), ["seed"]);
    assert.equal(await kindOf(admin.remove(added.member.id)), "member-not-found");
  } finally {
    admin.close();
    await joiner?.stop();
    await etcd.stop();
  }
});

Deno.test("bad endpoints, ids and timeouts are rejected naming the value", async () => {
  assert.throws(() => createEtcdAdminClient({ endpoints: ["nohost"] }), /"nohost"/);
  assert.throws(() => createEtcdAdminClient({ endpoints: [], timeoutMs: 0 }), /timeoutMs 0/);
  const admin = createEtcdAdminClient({ endpoints: ["127.0.0.1:1"] });
  await assert.rejects(admin.remove("abc"), /"abc"/);
  await assert.rejects(admin.promote("-1"), /"-1"/);
  await assert.rejects(admin.addLearner([]), /peer URLs/);
  admin.close();
  assert.equal(normalizeEndpoint("http://127.0.0.1:2379/"), "127.0.0.1:2379");
});
