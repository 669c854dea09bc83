import assert from "node:assert/strict";
import type { ObservedStep } from "../admin/history.ts";
import type { Effect } from "../core/effects.ts";
import type { Input } from "../core/inputs.ts";
import { complete } from "../core/testing/rolling_world.ts";
import { type Harness, settle } from "../core/testing/scenario_world.ts";
import type { EventDraft } from "./event.ts";
import { eventsOfStep } from "./events_of_step.ts";

/** Records every step of `h` as the shell reports it to the audit trail. */
function observe(h: Harness): ObservedStep[] {
  const steps: ObservedStep[] = [];
  const feed = h.feed.bind(h);
  h.feed = (input: Input): Effect[] => {
    const before = h.state;
    const effects = feed(input);
    steps.push({ input, before, after: h.state, effects, at: h.now });
    return effects;
  };
  return steps;
}

const rolling = (steps: ObservedStep[]): EventDraft[] =>
  steps.flatMap(eventsOfStep).filter((e) => e.kind.startsWith("rolling-restart"));

Deno.test("a rolling restart is recorded: started, each member, the leader moved, finished", () => {
  const { h, w } = complete();
  const leader = h.state.members.find((m) => m.memberId === h.state.health.leaderId)!.name;
  const steps = observe(h);
  const spec = { uri: "http://a/etcd-copy", flags: ["--snapshot-count=5000"] };
  settle(h, w, h.feed({ type: "rollingRestart", spec, requestId: 1 }), 5);
  for (let i = 0; i < 60 && h.state.rollingRestart?.run !== undefined; i++) {
    settle(h, w, h.tick(5_000), 5);
  }
  const events = rolling(steps);
  assert.deepEqual(events.map((e) => e.kind), [
    "rolling-restart.started",
    "rolling-restart.step",
    "rolling-restart.step",
    "rolling-restart.leader-moved",
    "rolling-restart.step",
    "rolling-restart.finished",
  ]);
  assert.match(
    events[0]!.reason,
    /with etcd from http:\/\/a\/etcd-copy, flags --snapshot-count=5000/,
  );
  assert.equal(events[4]!.fields?.member, leader, "the leader's step is the last");
  assert.equal(events[4]!.fields?.done, "3/3");
  assert.match(events[3]!.reason, new RegExp(`^leadership moved from ${leader} to etcd-\\d`));
});

Deno.test("a rolling restart that stops on a member is recorded as failed, naming it", () => {
  const { h, w } = complete(3, { memberGracePeriodMs: 600_000 });
  const leader = h.state.members.find((m) => m.memberId === h.state.health.leaderId)!.name;
  const first = ["etcd-1", "etcd-2", "etcd-3"].find((n) => n !== leader)!;
  w.silent.add(first);
  const steps = observe(h);
  settle(h, w, h.feed({ type: "rollingRestart", spec: {}, requestId: 1 }), 5);
  for (let i = 0; i < 60 && h.state.rollingRestart?.run !== undefined; i++) {
    settle(h, w, h.tick(5_000), 5);
  }
  const failed = rolling(steps).filter((e) => e.kind === "rolling-restart.failed");
  assert.equal(failed.length, 1);
  assert.equal(failed[0]!.fields?.member, first);
  assert.match(failed[0]!.reason, new RegExp(`^stopped on ${first}: its executor did not report`));
});
