import assert from "node:assert/strict";
import { livenessBoundMs } from "./liveness.ts";
import { DEFAULT_CORE_OPTIONS } from "./state.ts";
import { LIVENESS_OPTIONS, runLivenessSeed } from "./testing/liveness_run.ts";

const runSeed = (seed: number) =>
  runLivenessSeed(seed, {
    core: LIVENESS_OPTIONS,
    detail: (sim) =>
      `state: phase=${sim.state.reseed?.phase ?? "-"} health=${sim.state.health.reason} ` +
      `alarm=${sim.state.alarm?.blocker ?? "-"}\nrecords: ${
        sim.state.members.map((m) =>
          `${m.name}#${m.memberId}:${m.taskState}${
            m.retiring ? `(retiring removed=${m.retiring.removed})` : ""
          }`
        ).join(", ")
      } etcd: ${(sim.state.etcdMembers ?? []).map((e) => e.id).join(",")} change=${
        JSON.stringify(sim.state.change)
      }`,
    logTail: 25,
  });

Deno.test("core liveness: 120 seeded fault interleavings end healthy at full size or with a named blocker", () => {
  let settled = 0;
  const blockers: string[] = [];
  const first = Number(Deno.env.get("LIVENESS_FIRST_SEED") ?? 1);
  for (let seed = first; seed < first + 120; seed++) {
    const o = runSeed(seed);
    if (o.settled) settled++;
    else blockers.push(`seed ${seed}: ${o.blocker}`);
  }
  // Data really is lost only when every etcd died: that must stay the exception.
  assert.ok(settled >= 100, `only ${settled}/120 settled:\n${blockers.join("\n")}`);
});

Deno.test("core liveness: the bound with the default options is 390 s", () => {
  assert.equal(livenessBoundMs(DEFAULT_CORE_OPTIONS), 390_000);
});
