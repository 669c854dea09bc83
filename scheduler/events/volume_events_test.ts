import assert from "node:assert/strict";
import type { Effect, MemberLaunch } from "../core/effects.ts";
import { initialState } from "../core/state.ts";
import { eventsOfStep } from "./events_of_step.ts";

const state = initialState({ clusterSize: 3 });
const step = (effects: Effect[]) => ({
  input: { type: "tick" as const },
  before: state,
  after: state,
  effects,
  at: 1,
});
const launch = (taskId: string) =>
  ({
    type: "launch",
    offerId: "o",
    agentId: "a1",
    member: { taskId, name: "etcd-2", agentId: "a1", hostname: "h1", config: {} } as MemberLaunch,
  }) as Effect;

Deno.test("a relaunch in place is a volume.relaunch event, not a replacement", () => {
  const events = eventsOfStep(step([launch("etcd-2 h1 31000 31001 r3")]));
  assert.deepEqual(events.map((e) => e.kind), ["volume.relaunch"]);
  assert.match(events[0]!.reason, /etcd-2 relaunched in place on its volume on h1/);
});

Deno.test("a given-up volume says why; a cleanup names the members and the agent", () => {
  const events = eventsOfStep(step([
    {
      type: "log",
      level: "warn",
      msg: "replacing a member instead of relaunching it on its volume",
      fields: { member: "etcd-2", why: "its agent was removed" },
    },
    { type: "forgetVolume", member: "etcd-2" },
    {
      type: "cleanupVolumes",
      offerId: "o",
      agentId: "a1",
      stray: { destroy: [], unreserve: [], members: ["etcd-2"] },
    },
  ]));
  assert.deepEqual(events.map((e) => [e.kind, e.reason]), [
    ["volume.given-up", "etcd-2 will be replaced elsewhere: its agent was removed"],
    [
      "volume.cleanup",
      "destroying 0 volume(s) and unreserving the resources of etcd-2 on agent a1: nobody expects them",
    ],
  ]);
});
