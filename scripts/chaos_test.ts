import assert from "node:assert/strict";
import { parseDuration } from "./chaos.ts";
import { parseFaults } from "./chaos/faults.ts";
import { sharedAgents } from "./chaos/monitor.ts";
import type { MemberView } from "../scheduler/core/views.ts";

Deno.test("durations: seconds, minutes, bare seconds; garbage is named", () => {
  assert.equal(parseDuration("120s"), 120_000);
  assert.equal(parseDuration("2m"), 120_000);
  assert.equal(parseDuration("45"), 45_000);
  assert.throws(() => parseDuration("soon"), /"soon"/);
});

Deno.test("faults: a known subset parses, an unknown one is named", () => {
  assert.deepEqual(parseFaults("kill-etcd, restart-zk"), ["kill-etcd", "restart-zk"]);
  assert.throws(() => parseFaults("kill-etcd,nuke"), /"nuke"/);
  assert.throws(() => parseFaults(""), /No fault/);
});

Deno.test("two live members on one agent are reported; a dead one beside a live one is not", () => {
  const m = (name: string, agentId: string, taskState: string) =>
    ({ name, agentId, taskState }) as MemberView;
  assert.deepEqual(
    sharedAgents([
      m("a", "S1", "TASK_RUNNING"),
      m("b", "S1", "TASK_STAGING"),
      m("c", "S2", "TASK_RUNNING"),
    ]),
    ["S1: a,b"],
  );
  assert.deepEqual(sharedAgents([m("a", "S1", "TASK_RUNNING"), m("b", "S1", "TASK_FAILED")]), []);
});
