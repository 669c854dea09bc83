// The liveness property run of liveness_property_test.ts with persistent volumes on: the
// same seeded faults (etcd and executor deaths, orphans, frozen etcds, partitions, scheduler
// restarts) against a simulated Mesos that keeps reservations and volumes on their agent.
// Safety invariants hold, and past the bound the cluster is healthy at full size, reseeding,
// or alarmed with a named blocker; members come back from their volumes instead of being
// replaced where they can.
import assert from "node:assert/strict";
import { LIVENESS_OPTIONS, runLivenessSeed } from "./testing/liveness_run.ts";

const runSeed = (seed: number) =>
  runLivenessSeed(seed, {
    core: { ...LIVENESS_OPTIONS, volumes: { role: "etcd", relaunchTimeoutMs: 20_000 } },
    detail: (sim) => `volumes: ${JSON.stringify(sim.state.volumes)}`,
    logTail: 30,
    afterBringUp: (sim) =>
      sim.state.volumes?.length !== 3 ? "no volume records after the bring-up" : undefined,
  });

Deno.test("core liveness with persistent volumes: 120 seeded fault interleavings end healthy at full size or with a named blocker", () => {
  let settled = 0;
  let relaunched = 0;
  const blockers: string[] = [];
  for (let seed = 1; seed <= 120; seed++) {
    const o = runSeed(seed);
    relaunched += (o.sim.state.volumes ?? []).reduce((n, r) => n + r.incarnation, 0);
    if (o.settled) settled++;
    else blockers.push(`seed ${seed}: ${o.blocker}`);
  }
  assert.ok(settled >= 100, `only ${settled}/120 settled:\n${blockers.join("\n")}`);
  assert.ok(relaunched > 0, "some members came back from their volumes");
});
