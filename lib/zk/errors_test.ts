import assert from "node:assert/strict";
import { ZkConnectError, ZkError } from "./errors.ts";

Deno.test("ZkError names the operation, the znode and the code", () => {
  const cause = new Error("raw");
  const err = new ZkError("getData", "/a/b", "NO_NODE", { cause });
  assert.equal(err.message, 'ZooKeeper getData "/a/b" failed: NO_NODE');
  assert.deepEqual([err.name, err.op, err.path, err.code], [
    "ZkError",
    "getData",
    "/a/b",
    "NO_NODE",
  ]);
  assert.equal(err.cause, cause);
});

Deno.test("ZkConnectError names the servers and carries the reason", () => {
  const err = new ZkConnectError("h1:2181,h2:2181", "timeout", "no session after 10 ms");
  assert.equal(
    err.message,
    'Cannot connect to ZooKeeper "h1:2181,h2:2181": no session after 10 ms',
  );
  assert.deepEqual([err.name, err.servers, err.reason], [
    "ZkConnectError",
    "h1:2181,h2:2181",
    "timeout",
  ]);
});
