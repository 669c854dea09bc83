import assert from "node:assert/strict";
import { createEtcdAdminClient } from "../lib/etcd/admin_client.ts";
import { etcdAdminStub } from "../lib/etcd/testing/etcd_admin_stub.ts";
import { startEtcd } from "../lib/etcd/testing/etcd_server.ts";
import { freePort } from "../lib/free_ports.ts";

import { probeMembers, withDeadline } from "./prober.ts";

Deno.test("probeMembers() reports a live member, the membership and a good read", async () => {
  const etcd = await startEtcd({ name: "etcd-1" });
  const admin = createEtcdAdminClient({ endpoints: [], timeoutMs: 2000 });
  const down = `http://127.0.0.1:${freePort()}`;
  try {
    const p = await probeMembers(admin, [
      { name: "etcd-1", clientUrl: etcd.clientUrl },
      { name: "etcd-2", clientUrl: down },
    ], { timeoutMs: 4000 });
    assert.equal(p.type, "probe");
    const [up, gone] = p.results;
    assert.equal(up?.name, "etcd-1");
    assert.equal(up?.reachable, true);
    assert.match(String(up?.memberId), /^[1-9][0-9]*$/);
    assert.equal(up?.leader, up?.memberId, "a single member leads itself");
    assert.equal(up?.isLearner, false);
    assert.ok(BigInt(String(up?.raftIndex)) > 0n);
    assert.ok(up!.dbSize! > 0 && up!.dbSizeInUse! > 0 && up!.dbSizeInUse! <= up!.dbSize!);
    assert.equal(gone?.name, "etcd-2");
    assert.equal(gone?.reachable, false);
    assert.ok(gone?.error);
    assert.equal(p.linearizableReadOk, true);
    assert.deepEqual(p.membership?.map((m) => [m.id, m.name, m.peerUrls, m.isLearner]), [
      [up?.memberId, "etcd-1", [etcd.peerUrl], false],
    ]);
  } finally {
    admin.close();
    await etcd.stop();
  }
});

Deno.test("probeMembers() answers within its deadline when etcd hangs", async () => {
  const never = new Promise<never>(() => {});
  const hanging = etcdAdminStub({
    status: () => never,
    memberList: () => never,
    linearizableRead: () => never,
  });
  const started = Date.now();
  const p = await probeMembers(hanging, [{ name: "etcd-1", clientUrl: "http://h:1" }], {
    timeoutMs: 50,
  });
  assert.ok(Date.now() - started < 2000);
  assert.equal(p.results[0]?.reachable, false);
  assert.match(String(p.results[0]?.error), /status of etcd-1: no answer within 50 ms/);
  assert.equal(p.linearizableReadOk, false);
  assert.match(String(p.readError), /linearizable read/);
  assert.equal(p.membership, undefined);
});

Deno.test("withDeadline() passes the value through and clears its timer", async () => {
  assert.equal(await withDeadline(Promise.resolve(7), 10_000, "x"), 7);
  await assert.rejects(withDeadline(Promise.reject(new Error("boom")), 10_000, "x"), /boom/);
});
