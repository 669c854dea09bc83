import assert from "node:assert/strict";
import { EtcdAdminStub } from "../lib/etcd/testing/etcd_admin_stub.ts";
import { memoryLogger } from "../lib/log.ts";
import type { SchedulerCall } from "../lib/mesos/calls.ts";
import type { TaskInfo } from "../lib/mesos/types.ts";
import type { MemberLaunch } from "./core/effects.ts";
import type { VolumeRecord } from "./core/volumes.ts";
import { EffectRunner } from "./effect_runner.ts";

const disk = { name: "disk", type: "SCALAR" as const, scalar: { value: 10 } };
const launch = {
  taskId: "etcd-1 h 1 2",
  name: "etcd-1",
  agentId: "a1",
  volume: { reserve: [disk], create: [{ ...disk, disk: { persistence: { id: "v" } } }] },
} as unknown as MemberLaunch;
const record = { member: "etcd-1" } as VolumeRecord;

function runner(save: (r: VolumeRecord) => Promise<void>, volumeRecordBoundMs?: number) {
  const order: string[] = [];
  const calls: SchedulerCall[] = [];
  const r = new EffectRunner({
    call: (c) => {
      order.push(c.type);
      calls.push(c);
      return Promise.resolve();
    },
    etcd: new EtcdAdminStub(),
    feed: () => {},
    taskInfo: (m) => ({ name: m.name, task_id: { value: m.taskId } }) as unknown as TaskInfo,
    armTimer: () => {},
    volumes: {
      save: async (x) => {
        await save(x);
        order.push(`saved ${x.member}`);
      },
      forget: () => Promise.resolve(),
    },
    logger: memoryLogger(),
    ...(volumeRecordBoundMs === undefined ? {} : { volumeRecordBoundMs }),
  });
  return { r, order, calls };
}

Deno.test("EffectRunner writes the volume record before the ACCEPT that reserves, creates and launches", async () => {
  let release!: () => void;
  const slow = new Promise<void>((res) => release = res);
  const { r, order, calls } = runner(() => slow);
  r.run({ type: "persistVolume", record });
  r.run({ type: "launch", offerId: "o1", agentId: "a1", member: launch });
  await new Promise((res) => setTimeout(res, 0));
  assert.deepEqual(order, [], "the ACCEPT waits for the record");
  release();
  await r.idle();
  assert.deepEqual(order, ["saved etcd-1", "ACCEPT"]);
  assert.deepEqual(calls[0]!.accept!.operations.map((o) => o.type), [
    "RESERVE",
    "CREATE",
    "LAUNCH",
  ]);
});

Deno.test("EffectRunner does not reserve when the volume record could not be written", async () => {
  const { r, order } = runner(() => Promise.reject(new Error("ZooKeeper is down")));
  r.run({ type: "persistVolume", record });
  r.run({ type: "launch", offerId: "o1", agentId: "a1", member: launch });
  await r.idle();
  assert.deepEqual(order, ["RECONCILE"], "no ACCEPT; the task is asked about instead");
});

Deno.test("EffectRunner: with ZooKeeper not answering, the calls behind a volume record wait a bounded time", async () => {
  const { r, order } = runner(() => new Promise<void>(() => {}), 50);
  r.run({ type: "persistVolume", record });
  r.run({ type: "launch", offerId: "o1", agentId: "a1", member: launch });
  r.run({ type: "decline", offerIds: ["o2"], refuseSeconds: 5 });
  await r.idle();
  // No ACCEPT: the refused launch asks about its task after the decline queued meanwhile.
  assert.deepEqual(order, ["DECLINE", "RECONCILE"]);
});

Deno.test("EffectRunner cleans up stray reservations with DESTROY then UNRESERVE", async () => {
  const { r, calls } = runner(() => Promise.resolve());
  r.run({
    type: "cleanupVolumes",
    offerId: "o2",
    agentId: "a1",
    stray: { destroy: [disk], unreserve: [disk], members: ["etcd-9"] },
  });
  await r.idle();
  assert.deepEqual(calls[0]!.accept!.operations.map((o) => o.type), ["DESTROY", "UNRESERVE"]);
});
