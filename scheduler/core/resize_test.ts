import assert from "node:assert/strict";
import { clusterSizeProblem } from "./resize.ts";
import {
  Harness,
  offer,
  ofType,
  settle,
  summarize,
  TEST_OPTIONS,
  World,
} from "./testing/scenario_world.ts";
import { isSettled } from "./liveness.ts";

function complete(size: number): { h: Harness; w: World } {
  const h = new Harness({ ...TEST_OPTIONS, clusterSize: size, destructiveIntervalMs: 5_000 });
  const w = new World();
  settle(h, w, [...h.connect(), ...h.feed({ type: "offers", offers: [offer(1), offer(2)] })], 9);
  for (let i = 0; i < 20 && !isSettled(h.state); i++) settle(h, w, h.tick(5_000), 9);
  assert.ok(isSettled(h.state));
  return { h, w };
}

function runUntilSettled(h: Harness, w: World): string[] {
  const seen: string[] = [];
  for (let i = 0; i < 40 && !isSettled(h.state); i++) {
    seen.push(...summarize(settle(h, w, h.tick(5_000), 9)));
  }
  return seen.filter((l) => /^(addLearner|promote|remove|kill)/.test(l));
}

for (const bad of [4, 0, 11, -1, 2.5, "5", null]) {
  Deno.test(`clusterSizeProblem() refuses ${JSON.stringify(bad)}, naming it`, () => {
    assert.match(
      clusterSizeProblem(bad) ?? "",
      new RegExp(`Cannot resize to ${JSON.stringify(bad)?.replace(/[.]/g, "\\.")}`),
    );
  });
}

Deno.test("resize 3 → 5: accepted, persisted, reached one member at a time", () => {
  const { h, w } = complete(3);
  const fx = h.feed({ type: "resize", size: 5, requestId: 1 });
  assert.deepEqual(ofType(fx, "persistClusterSize"), [{ type: "persistClusterSize", size: 5 }]);
  assert.equal(ofType(fx, "adminReply")[0]?.accepted, true);
  assert.ok(summarize(fx).includes("revive"), "offers wanted again");
  const seen = summarize(settle(h, w, fx, 9)).filter((l) => l.startsWith("addLearner"));
  seen.push(...runUntilSettled(h, w));
  assert.deepEqual(seen.filter((l) => l.startsWith("addLearner")).length, 2);
  assert.equal(h.state.members.filter((m) => m.taskState === "TASK_RUNNING").length, 5);
  assert.equal(w.members.filter((m) => !m.isLearner).length, 5);
});

Deno.test("resize 5 → 3: followers are removed, the leader stays", () => {
  const { h, w } = complete(5);
  const leader = h.state.health.leaderId;
  const seen = summarize(settle(h, w, h.feed({ type: "resize", size: 3, requestId: 2 }), 9))
    .filter((l) => /^(remove|kill)/.test(l));
  seen.push(...runUntilSettled(h, w));
  assert.equal(seen.filter((l) => l.startsWith("remove")).length, 2);
  assert.equal(w.members.length, 3);
  assert.ok(w.members.some((m) => m.id === leader), "the leader was kept");
});

Deno.test("resize to an even size is refused with the value and changes nothing", () => {
  const { h } = complete(3);
  const fx = h.feed({ type: "resize", size: 4, requestId: 3 });
  assert.equal(ofType(fx, "persistClusterSize").length, 0);
  assert.deepEqual(ofType(fx, "adminReply")[0], {
    type: "adminReply",
    requestId: 3,
    accepted: false,
    message: "Cannot resize to 4: expected an odd integer 1..9",
  });
  assert.equal(h.state.options.clusterSize, 3);
});
