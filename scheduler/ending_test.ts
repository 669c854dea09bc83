import assert from "node:assert/strict";
import {
  FrameworkError,
  FrameworkRemovedError,
  MesosAuthenticationError,
} from "../lib/mesos/client_errors.ts";
import { describeEnding } from "./ending.ts";

Deno.test("describeEnding(): a removed framework says which ZooKeeper node to delete", () => {
  const e = describeEnding(new FrameworkRemovedError("Framework has been removed", "fw-1"), "/x");
  assert.match(e!.message, /delete ZooKeeper node \/x or use another --framework-name/);
  assert.deepEqual(e!.fields, { frameworkId: "fw-1", message: "Framework has been removed" });
});

Deno.test("describeEnding(): refused credentials name the flags to check", () => {
  const e = describeEnding(new MesosAuthenticationError("p", "http://m:5050", 401), undefined);
  assert.match(e!.message, /--mesos-authentication-principal/);
  assert.equal(e!.fields.principal, "p");
});

Deno.test("describeEnding(): another framework error is an ended subscription; a bug is not an ending", () => {
  assert.match(describeEnding(new FrameworkError("gone", "fw"), "/x")!.message, /ended/);
  assert.equal(describeEnding(new TypeError("bug"), "/x"), undefined);
});
