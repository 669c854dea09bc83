import assert from "node:assert/strict";
import type { CertificateRequest } from "../../contract/certificates.ts";
import type { MemberRecord } from "../core/state.ts";
import { memberGrant } from "./member_signing.ts";

const member: MemberRecord = {
  name: "etcd-2",
  taskId: "etcd-2 agent-7 31000 31001",
  agentId: "A7",
  hostname: "agent-7.example",
  peerPort: 31000,
  clientPort: 31001,
  taskState: "TASK_STARTING",
  learner: true,
};
const request: CertificateRequest = {
  kind: "csr",
  id: "c1",
  taskId: member.taskId,
  csr: "-----BEGIN CERTIFICATE REQUEST-----",
  ips: ["10.1.2.3", "127.0.0.1"],
};
const source = { agentId: "A7", executorId: "etcd-executor-etcd-2-31000" };

Deno.test("memberGrant() grants a live task's own executor the names the scheduler knows", () => {
  assert.deepEqual(memberGrant(request, source, [member]), {
    ok: true,
    name: "etcd-2",
    dnsNames: ["agent-7.example", "localhost"],
    ips: ["127.0.0.1", "10.1.2.3"],
  });
  const byIp = { ...member, hostname: "10.0.0.9" };
  const g = memberGrant(request, source, [byIp]);
  assert.ok(g.ok);
  assert.deepEqual(g.dnsNames, ["localhost"]);
  assert.deepEqual(g.ips, ["10.0.0.9", "127.0.0.1", "10.1.2.3"]);
});

Deno.test("memberGrant() refuses unknown or ended tasks and other senders, saying why", () => {
  const cases: [string, MemberRecord[], typeof source, RegExp][] = [
    ["unknown task", [], source, /not a live member/],
    ["ended task", [{ ...member, taskState: "TASK_FAILED" }], source, /not a live member/],
    ["other agent", [member], { ...source, agentId: "A8" }, /does not run in executor/],
    ["other executor", [member], { ...source, executorId: "x" }, /does not run in executor x/],
  ];
  for (const [what, members, from, why] of cases) {
    const g = memberGrant(request, from, members);
    assert.equal(g.ok, false, what);
    if (!g.ok) assert.match(g.message, why, what);
  }
});
