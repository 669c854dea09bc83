import assert from "node:assert/strict";
import { startZooKeeper } from "../lib/zk/testing/zookeeper_server.ts";
import type { VolumeRecord } from "./core/volumes.ts";
import { createVolumeStore, decodeVolumeRecords, volumesNode } from "./volume_store.ts";

const record = (member: string, extra: Partial<VolumeRecord> = {}): VolumeRecord => ({
  member,
  agentId: "a1",
  hostname: "h1",
  persistenceId: `fw-${member}-1`,
  peerPort: 31000,
  clientPort: 31001,
  labels: [{ key: "etcd_mesos_member", value: member }],
  incarnation: 0,
  ...extra,
});

Deno.test("volumesNode() is <chroot>/<name>_volumes", () => {
  assert.equal(volumesNode("/etcd-mesos", "etcd"), "/etcd-mesos/etcd_volumes");
});

Deno.test("decodeVolumeRecords() reads stored records and names garbage and its node", () => {
  const text = JSON.stringify({ "etcd-1": record("etcd-1") });
  assert.deepEqual(decodeVolumeRecords(text, "/n"), [record("etcd-1")]);
  assert.throws(() => decodeVolumeRecords("nope", "/n"), /volume records "nope" stored in \/n/);
  assert.throws(
    () => decodeVolumeRecords('{"etcd-1": {"member": 3}}', "/n"),
    /stored in \/n/,
  );
});

Deno.test("the volume store keeps records in ZooKeeper across store instances", async () => {
  const zk = await startZooKeeper();
  const url = `zk://${zk.url}/etcd-mesos`;
  try {
    const first = createVolumeStore({ zk: url, frameworkName: "etcd" });
    assert.deepEqual(await first.load(), []);
    await first.save(record("etcd-1"));
    await first.save(record("etcd-2"));
    await first.save(record("etcd-1", { incarnation: 2, relaunchBy: 1234 }));
    await first.forget("etcd-2");
    await first.close();
    const second = createVolumeStore({ zk: url, frameworkName: "etcd" });
    assert.deepEqual(await second.load(), [record("etcd-1", { incarnation: 2, relaunchBy: 1234 })]);
    await second.close();
  } finally {
    await zk.stop();
  }
});
