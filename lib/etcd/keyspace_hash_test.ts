import assert from "node:assert/strict";
import { createEtcdAdminClient } from "./admin_client.ts";
import { normalizeEndpoint } from "./endpoints.ts";
import { EtcdGateway } from "./gateway.ts";
import { toBase64 } from "./gateway_json.ts";
import { startEtcd } from "./testing/etcd_server.ts";

Deno.test("hashKV() covers every page of keys and hashes the revision asked", async () => {
  const etcd = await startEtcd();
  const gateway = new EtcdGateway(normalizeEndpoint(etcd.clientUrl));
  const admin = createEtcdAdminClient({ endpoints: [etcd.clientUrl] });
  const put = (key: string, value: string) => ({
    request_put: { key: toBase64(key), value: toBase64(value) },
  });
  try {
    // 2500 keys, three pages of kv/range; 100 puts a transaction (etcd allows 128).
    for (let batch = 0; batch < 25; batch++) {
      const success = Array.from({ length: 100 }, (_, i) => {
        const n = String(batch * 100 + i).padStart(4, "0");
        return put(`k${n}`, `v${n}`);
      });
      await gateway.post("kv/txn", { success }, { deadline: Date.now() + 5000 });
    }
    const before = await admin.hashKV(etcd.clientUrl);
    await gateway.post("kv/txn", { success: [put("k2400", "changed")] }, {
      deadline: Date.now() + 5000,
    });
    const after = await admin.hashKV(etcd.clientUrl);
    assert.notEqual(after.hash, before.hash, "a change on the last page went unseen");
    assert.equal(BigInt(after.revision), BigInt(before.revision) + 1n);
    const again = await admin.hashKV(etcd.clientUrl, before.revision);
    assert.deepEqual(again, before, "the same revision hashed differently");
  } finally {
    admin.close();
    gateway.close();
    await etcd.stop();
  }
});
