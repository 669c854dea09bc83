import assert from "node:assert/strict";
import { ClientClosedError, GRPCDeadlineExceededError, GRPCUnavailableError } from "etcd3";
import { classifyEtcdError, EtcdAdminError, toAdminError } from "./admin_errors.ts";

Deno.test("classifyEtcdError() reads etcd's messages before the gRPC code", () => {
  const cases: [unknown, string][] = [
    [
      new Error(
        "9 FAILED_PRECONDITION: etcdserver: can only promote a learner member which is " +
          "in sync with leader",
      ),
      "learner-not-ready",
    ],
    [new Error("etcdserver: can only promote a learner member"), "not-learner"],
    [new Error("5 NOT_FOUND: etcdserver: member not found"), "member-not-found"],
    [new Error("etcdserver: Peer URLs already exists"), "peer-url-exists"],
    [new Error("etcdserver: member ID already exist"), "peer-url-exists"],
    [new Error("etcdserver: too many learner members in cluster"), "too-many-learners"],
    [
      new GRPCUnavailableError("14 UNAVAILABLE: etcdserver: unhealthy cluster"),
      "unhealthy-cluster",
    ],
    [
      new GRPCUnavailableError("14 UNAVAILABLE: etcdserver: rpc not supported for learner"),
      "learner-rpc",
    ],
    [new Error("etcdserver: no leader"), "no-leader"],
    [new Error("etcdserver: request timed out"), "timeout"],
    [new GRPCDeadlineExceededError("4 DEADLINE_EXCEEDED"), "timeout"],
    [new GRPCUnavailableError("14 UNAVAILABLE: No connection established"), "unavailable"],
    [new ClientClosedError("Cluster"), "closed"],
    [new Error("something new"), "other"],
  ];
  for (const [err, kind] of cases) assert.equal(classifyEtcdError(err), kind, String(err));
});

Deno.test("toAdminError() names the operation and endpoint and keeps the cause", () => {
  const cause = new Error("etcdserver: member not found");
  const err = toAdminError("memberRemove", "127.0.0.1:2379", cause);
  assert.ok(err instanceof EtcdAdminError);
  assert.equal(err.kind, "member-not-found");
  assert.equal(err.op, "memberRemove");
  assert.equal(err.cause, cause);
  assert.match(err.message, /memberRemove at 127\.0\.0\.1:2379 failed \(member-not-found\)/);
  assert.equal(toAdminError("x", undefined, err), err);
});
