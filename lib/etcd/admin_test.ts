import assert from "node:assert/strict";
import { PROBE_KEY } from "./admin.ts";

Deno.test("the linearizable read probes a key of the framework's own", () => {
  assert.equal(PROBE_KEY, "etcd-mesos/health-probe");
});
