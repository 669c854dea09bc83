import assert from "node:assert/strict";
import { EtcdAdminStub, etcdAdminStub, NotFakedError } from "./etcd_admin_stub.ts";

Deno.test("etcdAdminStub() answers with the calls given and rejects the others by name", async () => {
  const admin = etcdAdminStub({ memberList: () => Promise.resolve([]) });
  assert.deepEqual(await admin.memberList(), []);
  await assert.rejects(() => admin.promote("1"), NotFakedError);
  await assert.rejects(() => admin.status("h:1"), /EtcdAdmin\.status\(\) is not faked/);
  admin.setEndpoints(["http://h:1"]);
  admin.close();
});

Deno.test("EtcdAdminStub subclasses override only what they fake", async () => {
  class OneMember extends EtcdAdminStub {
    override memberList() {
      return Promise.resolve([
        { id: "1", name: "etcd-1", peerUrls: [], clientUrls: [], isLearner: false },
      ]);
    }
  }
  const admin = new OneMember();
  assert.equal((await admin.memberList()).length, 1);
  await assert.rejects(() => admin.hashKV("h:1"), NotFakedError);
});
