import assert from "node:assert/strict";
import { classifyEtcdError, EtcdAdminError, toAdminError } from "./admin_errors.ts";
import { EtcdGatewayError } from "./gateway.ts";

const answer = (message: string, grpcCode: number) =>
  new EtcdGatewayError(message, { grpcCode, httpStatus: 503 });

Deno.test("classifyEtcdError() reads transport failures, then etcd's messages, then the gRPC code", () => {
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
    [answer("etcdserver: unhealthy cluster", 14), "unhealthy-cluster"],
    [answer("etcdserver: rpc not supported for learner", 14), "learner-rpc"],
    [new Error("etcdserver: no leader"), "no-leader"],
    [new Error("etcdserver: request timed out"), "timeout"],
    [answer("context deadline", 4), "timeout"],
    [answer("transport is closing", 14), "unavailable"],
    [answer("unknown service", 12), "unimplemented"],
    [answer("etcdserver: bad leader transferee", 9), "other"],
    [new EtcdGatewayError("Connection refused", { transport: "unavailable" }), "unavailable"],
    [new EtcdGatewayError("no answer within 5 ms", { transport: "timeout" }), "timeout"],
    [new EtcdGatewayError("client closed", { transport: "closed" }), "closed"],
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
