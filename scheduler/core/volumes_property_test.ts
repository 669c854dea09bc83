// The liveness property run of liveness_property_test.ts with persistent volumes on: the
// same seeded faults (etcd and executor deaths, orphans, frozen etcds, partitions, scheduler
// restarts) against a simulated Mesos that keeps reservations and volumes on their agent.
// Safety invariants hold, and past the bound the cluster is healthy at full size, reseeding,
// or alarmed with a named blocker; members come back from their volumes instead of being
// replaced where they can.
import assert from "node:assert/strict";
import { isSettled, livenessBoundMs } from "./liveness.ts";
import { type CoreOptions, DEFAULT_CORE_OPTIONS } from "./state.ts";
import { InvariantError, Sim } from "./testing/sim_world.ts";

const OPTIONS: Partial<CoreOptions> = {
  clusterSize: 3,
  cpus: 1,
  memMb: 256,
  diskMb: 512,
  healthIntervalMs: 2_000,
  memberGracePeriodMs: 10_000,
  launchTimeoutMs: 20_000,
  destructiveIntervalMs: 5_000,
  probeTimeoutMs: 5_000,
  reseedTimeoutMs: 10_000,
  autoReseed: true,
  volumes: { role: "etcd", relaunchTimeoutMs: 20_000 },
};
const BOUND = livenessBoundMs({ ...DEFAULT_CORE_OPTIONS, ...OPTIONS });
const LEGIT_BLOCKERS = /^(no survivor|total cluster loss|reseed blocked)/;

function runSeed(seed: number): { settled: boolean; relaunched: number; blocker?: string } {
  const sim = new Sim({ seed, core: OPTIONS, agents: 6 });
  const faults: string[] = [];
  const fail = (why: string): never => {
    throw new Error(
      `seed ${seed}: ${why}\nfaults: ${faults.join(" | ")}\nworld: ${sim.describe()}\n` +
        `volumes: ${JSON.stringify(sim.state.volumes)}\nlog tail:\n${
          sim.log.slice(-30).join("\n")
        }`,
    );
  };
  try {
    sim.restartScheduler();
    for (let i = 0; i < 60 && !isSettled(sim.state); i++) sim.advance(1_000);
    if (!isSettled(sim.state)) fail("the first bring-up did not settle within 60 s");
    if (sim.state.volumes?.length !== 3) fail("no volume records after the bring-up");
    for (let i = 0; i < 60; i++) {
      if (sim.rand() < 0.08) faults.push(`${i}s ${sim.fault()}`);
      sim.advance(1_000);
    }
    sim.heal();
    sim.thaw();
    for (let t = 0; t < 3 * BOUND; t += 1_000) {
      sim.advance(1_000);
      if (t < BOUND) continue;
      const s = sim.state;
      if (!isSettled(s) && s.reseed === undefined && s.alarm === undefined) {
        fail(`${t / 1000}s after the faults: not settled, not reseeding, and no alarm`);
      }
    }
  } catch (e) {
    if (e instanceof InvariantError) fail(`safety: ${e.message}`);
    throw e;
  }
  const s = sim.state;
  const relaunched = (s.volumes ?? []).reduce((n, r) => n + r.incarnation, 0);
  if (isSettled(s)) return { settled: true, relaunched };
  const blocker = s.alarm?.blocker ?? "none";
  if (!LEGIT_BLOCKERS.test(blocker)) fail(`stuck after ${3 * BOUND / 1000}s: ${blocker}`);
  return { settled: false, relaunched, blocker };
}

Deno.test("core liveness with persistent volumes: 120 seeded fault interleavings end healthy at full size or with a named blocker", () => {
  let settled = 0;
  let relaunched = 0;
  const blockers: string[] = [];
  for (let seed = 1; seed <= 120; seed++) {
    const o = runSeed(seed);
    relaunched += o.relaunched;
    if (o.settled) settled++;
    else blockers.push(`seed ${seed}: ${o.blocker}`);
  }
  assert.ok(settled >= 100, `only ${settled}/120 settled:\n${blockers.join("\n")}`);
  assert.ok(relaunched > 0, "some members came back from their volumes");
});
