import assert from "node:assert/strict";
import { frameworkNode } from "./framework_node.ts";

Deno.test("frameworkNode() is <chroot>/<name>_<suffix>, also at the root", () => {
  assert.equal(frameworkNode("/etcd-mesos", "etcd", "leader"), "/etcd-mesos/etcd_leader");
  assert.equal(frameworkNode("/", "etcd", "events"), "/etcd_events");
});

Deno.test("frameworkNode() rejects a name that cannot be part of a node, naming it", () => {
  assert.throws(() => frameworkNode("/x", "a/b", "leader"), /framework name "a\/b"/);
  assert.throws(() => frameworkNode("/x", "", "leader"), /framework name ""/);
});
