import assert from "node:assert/strict";
import { clusterSizeNode, decodeClusterSize } from "./cluster_size_store.ts";

Deno.test("clusterSizeNode() is <chroot>/<name>_cluster_size and rejects odd names", () => {
  assert.equal(clusterSizeNode("/etcd-mesos", "etcd"), "/etcd-mesos/etcd_cluster_size");
  assert.equal(clusterSizeNode("/", "etcd"), "/etcd_cluster_size");
  assert.throws(() => clusterSizeNode("/x", "a/b"), /"a\/b"/);
});

Deno.test("decodeClusterSize() reads a stored size and names garbage and its node", () => {
  assert.equal(decodeClusterSize("5\n", "/n"), 5);
  assert.throws(() => decodeClusterSize("4", "/n"), /cluster size "4" stored in \/n/);
  assert.throws(() => decodeClusterSize("", "/n"), /cluster size "" stored in \/n/);
});
