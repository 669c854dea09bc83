/**
 * The seeded liveness run of the core's property tests: a simulated world brought up, 60 s
 * of random faults (about one every 12 s), healed, then watched for 3 liveness bounds.
 * Safety invariants hold throughout; past the bound the cluster is always healthy at full
 * size, reseeding, or alarmed; at the end it is settled or stuck on a legitimate blocker.
 * Test-only.
 *
 * @module
 */
import { isSettled, livenessBoundMs } from "../liveness.ts";
import { type CoreOptions, DEFAULT_CORE_OPTIONS } from "../state.ts";
import { InvariantError, Sim } from "./sim_world.ts";

/** Short timings so a seed runs a few simulated minutes in milliseconds. */
export const LIVENESS_OPTIONS: Partial<CoreOptions> = {
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
};

/** Blockers that only an operator (or data that no longer exists) can lift. */
const LEGIT_BLOCKERS = /^(no survivor|total cluster loss|reseed blocked)/;

/** How a seed ended: settled, or stuck on a legitimate blocker. */
export interface LivenessOutcome {
  settled: boolean;
  blocker?: string;
  faults: string[];
  /** The world at the end. */
  sim: Sim;
}

export interface LivenessRun {
  core: Partial<CoreOptions>;
  /** What a failure says of the state, between the world and the log tail. */
  detail: (sim: Sim) => string;
  /** How many log lines a failure shows. */
  logTail: number;
  /** Why the first bring-up is not good enough, if it is not (checked once it settled). */
  afterBringUp?: (sim: Sim) => string | undefined;
}

/** One seed of the run; throws naming the seed, its faults and the world when it fails. */
export function runLivenessSeed(seed: number, run: LivenessRun): LivenessOutcome {
  const bound = livenessBoundMs({ ...DEFAULT_CORE_OPTIONS, ...run.core });
  const sim = new Sim({ seed, core: run.core, agents: 6 });
  const faults: string[] = [];
  const fail = (why: string): never => {
    throw new Error(
      `seed ${seed}: ${why}\nfaults: ${faults.join(" | ")}\nworld: ${sim.describe()}\n` +
        `${run.detail(sim)}\nlog tail:\n${sim.log.slice(-run.logTail).join("\n")}`,
    );
  };
  try {
    sim.restartScheduler();
    for (let i = 0; i < 60 && !isSettled(sim.state); i++) sim.advance(1_000);
    if (!isSettled(sim.state)) fail("the first bring-up did not settle within 60 s");
    const poor = run.afterBringUp?.(sim);
    if (poor !== undefined) fail(poor);
    // Faults for 60 s: about one every 12 s.
    for (let i = 0; i < 60; i++) {
      if (sim.rand() < 0.08) faults.push(`${i}s ${sim.fault()}`);
      sim.advance(1_000);
    }
    sim.heal();
    sim.thaw();
    // Liveness: past the bound, always healthy at full size, reseeding, or alarmed.
    for (let t = 0; t < 3 * bound; t += 1_000) {
      sim.advance(1_000);
      if (t < bound) continue;
      const s = sim.state;
      if (!isSettled(s) && s.reseed === undefined && s.alarm === undefined) {
        fail(`${t / 1000}s after the faults: not settled, not reseeding, and no alarm`);
      }
    }
  } catch (e) {
    if (e instanceof InvariantError) fail(`safety: ${e.message}`);
    throw e;
  }
  if (isSettled(sim.state)) return { settled: true, faults, sim };
  const blocker = sim.state.alarm?.blocker ?? "none";
  if (!LEGIT_BLOCKERS.test(blocker)) fail(`stuck after ${3 * bound / 1000}s: ${blocker}`);
  return { settled: false, blocker, faults, sim };
}
