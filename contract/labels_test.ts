import assert from "node:assert/strict";
import { MEMBER_LABEL, memberLabels } from "./labels.ts";

Deno.test("memberLabels() carries name, host, ports and token", () => {
  const labels = memberLabels({ name: "etcd-1", host: "h", peerPort: 1, clientPort: 2 }, "tok");
  const byKey = Object.fromEntries(labels.map((l) => [l.key, l.value]));
  assert.deepEqual(byKey, {
    [MEMBER_LABEL.member]: "etcd-1",
    [MEMBER_LABEL.host]: "h",
    [MEMBER_LABEL.peerPort]: "1",
    [MEMBER_LABEL.clientPort]: "2",
    [MEMBER_LABEL.clusterToken]: "tok",
  });
});
