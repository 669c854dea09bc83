import assert from "node:assert/strict";
import type { ProbeMemberResult } from "../core/inputs.ts";
import { initialState } from "../core/state.ts";
import type { ObservedStep } from "./history.ts";
import { ClusterSamples, withMeasures } from "./samples.ts";

const s = initialState();

function probe(at: number, results: ProbeMemberResult[]): ObservedStep {
  return {
    input: { type: "probe", results, linearizableReadOk: true },
    before: s,
    after: s,
    effects: [],
    at,
  };
}

const up = (name: string, index: number, dbSize: number): ProbeMemberResult => ({
  name,
  reachable: true,
  raftIndex: String(index),
  dbSize,
  dbSizeInUse: dbSize / 2,
});

Deno.test("ClusterSamples keeps each member's latest measurements", () => {
  const samples = new ClusterSamples();
  samples.observe(probe(1000, [up("etcd-1", 10, 4096), up("etcd-2", 9, 8192)]));
  samples.observe(probe(2000, [up("etcd-1", 12, 4096), { name: "etcd-2", reachable: false }]));
  assert.deepEqual(samples.latest().get("etcd-1"), {
    at: 2000,
    reachable: true,
    raftIndex: "12",
    dbSize: 4096,
    dbSizeInUse: 2048,
  });
  assert.deepEqual(samples.latest().get("etcd-2"), {
    at: 1000,
    reachable: false,
    raftIndex: "9",
    dbSize: 8192,
    dbSizeInUse: 4096,
  });
  samples.observe(probe(3000, [up("etcd-1", 13, 4096)]));
  assert.deepEqual([...samples.latest().keys()], ["etcd-1"], "a member no longer probed is gone");
});

Deno.test("ClusterSamples keeps one sample per interval over the window", () => {
  const samples = new ClusterSamples({ windowMs: 60_000, everyMs: 15_000 });
  for (let t = 0; t <= 120_000; t += 5_000) samples.observe(probe(t, [up("etcd-1", t / 1000, 1)]));
  const kept = samples.samples();
  assert.deepEqual(kept.map((x) => x.at), [60_000, 75_000, 90_000, 105_000, 120_000]);
  assert.deepEqual(kept.at(-1)?.members, {
    "etcd-1": { raftIndex: 120, dbSize: 1, dbSizeInUse: 0.5 },
  });
});

Deno.test("ClusterSamples ignores every input but probes", () => {
  const samples = new ClusterSamples();
  samples.observe({ input: { type: "tick" }, before: s, after: s, effects: [], at: 1 });
  assert.deepEqual(samples.samples(), []);
});

Deno.test("withMeasures() adds each member's db sizes, null when not measured", () => {
  const samples = new ClusterSamples();
  samples.observe(probe(1, [up("etcd-1", 1, 100)]));
  assert.deepEqual(withMeasures([{ name: "etcd-1" }, { name: "etcd-2" }], samples.latest()), [
    { name: "etcd-1", dbSize: 100, dbSizeInUse: 50 },
    { name: "etcd-2", dbSize: null, dbSizeInUse: null },
  ]);
});
