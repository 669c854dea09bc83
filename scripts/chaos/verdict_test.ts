import assert from "node:assert/strict";
import { type AckedWrite, judgeHashes, judgeWrites } from "./verdict.ts";

const w = (seq: number, revision: number, at: number): AckedWrite => ({
  seq,
  key: `chaos/${seq}`,
  revision,
  at,
});

Deno.test("every acknowledged write present: nothing lost, nothing unexplained", () => {
  const acked = [w(1, 10, 100), w(2, 11, 200)];
  const v = judgeWrites(acked, new Set(["chaos/1", "chaos/2", "chaos/3"]), []);
  assert.deepEqual(v, { acked: 2, present: 2, lostToReseed: [], unexplained: [] });
});

Deno.test("a missing write without a reseed is unexplained", () => {
  const v = judgeWrites([w(1, 10, 100), w(2, 11, 200)], new Set(["chaos/2"]), []);
  assert.deepEqual(v.unexplained.map((x) => x.seq), [1]);
});

Deno.test("writes past the survivor's last kept revision are put down to the reseed", () => {
  const acked = [w(1, 10, 100), w(2, 11, 200), w(3, 12, 300), w(4, 20, 900)];
  const reseed = { injectedAt: 250, healedAt: 800, evidence: "m1@12" };
  const v = judgeWrites(acked, new Set(["chaos/1", "chaos/2", "chaos/4"]), [reseed]);
  assert.deepEqual(v.lostToReseed.map((x) => [x.write.seq, x.survivorRevision]), [[3, 11]]);
  assert.equal(v.unexplained.length, 0);
});

Deno.test("a hole below a kept write is not excused by a reseed", () => {
  const acked = [w(1, 10, 100), w(2, 11, 200), w(3, 12, 300)];
  const reseed = { injectedAt: 250, healedAt: 800, evidence: "" };
  const v = judgeWrites(acked, new Set(["chaos/1", "chaos/3"]), [reseed]);
  assert.deepEqual(v.unexplained.map((x) => x.seq), [2]);
  assert.equal(v.lostToReseed.length, 0);
});

Deno.test("a write acknowledged after the reseed healed is never excused by it", () => {
  const acked = [w(1, 10, 100), w(2, 30, 900)];
  const v = judgeWrites(acked, new Set(["chaos/1"]), [{
    injectedAt: 200,
    healedAt: 800,
    evidence: "",
  }]);
  assert.deepEqual(v.unexplained.map((x) => x.seq), [2]);
});

Deno.test("hashes: agreement passes, a differing hash or a missing member is named", () => {
  const a = { endpoint: "a", revision: "5", hash: "1" };
  const b = { endpoint: "b", revision: "5", hash: "1" };
  assert.equal(judgeHashes([a, b], 2), undefined);
  assert.match(judgeHashes([a, { ...b, hash: "2" }], 2)!, /b rev 5 hash 2/);
  assert.match(judgeHashes([a], 2)!, /expected 2/);
});
