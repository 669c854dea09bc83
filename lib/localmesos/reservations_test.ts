// Roles, dynamic reservations and persistent volumes end to end: a real local master and a
// real local agent over HTTP, a scheduler on the v1 API (Mesos docs: reservation.md,
// persistent-volume.md; messages of src/master/validation.cpp).
import assert from "node:assert/strict";
import { bytesToBase64 } from "../mesos/base64.ts";
import type { Plain } from "../mesos/plain.ts";
import { createLogger, silentLogger } from "../log.ts";
import { createLocalAgent, type LocalAgent } from "./agent/agent.ts";
import {
  startTestMaster,
  subscribeFramework,
  type TestScheduler,
} from "./master/testing/harness.ts";
import type { LocalMaster } from "./master/master.ts";

const PRINCIPAL = "p";
const ROLE = "etcd";
const LABELS = { labels: [{ key: "member", value: "m1" }] };
const RESERVATION = { type: "DYNAMIC", role: ROLE, principal: PRINCIPAL, labels: LABELS };

const scalar = (name: string, value: number, extra: Plain = {}): Plain => ({
  name,
  type: "SCALAR",
  scalar: { value },
  ...extra,
});
const reserved = (name: string, value: number, reservation: Plain = RESERVATION): Plain =>
  scalar(name, value, { reservations: [reservation] });
const volume = (id: string, size = 100, principal: string | null = PRINCIPAL): Plain => ({
  ...reserved("disk", size),
  disk: {
    persistence: principal === undefined ? { id } : { id, principal },
    volume: { mode: "RW", container_path: "data" },
  },
});

interface World {
  master: LocalMaster;
  agent: LocalAgent;
  workDir: string;
  /** A framework with role `etcd`, principal `p`, MULTI_ROLE and RESERVATION_REFINEMENT. */
  scheduler: TestScheduler;
  /** Events read while waiting for others. */
  seen: Plain[];
  agentText: string;
}

async function withWorld(fn: (w: World) => Promise<void>): Promise<void> {
  const workDir = await Deno.makeTempDir({ prefix: "reservations_test_" });
  const debug = Deno.env.get("RES_DEBUG") ? createLogger({ level: "debug" }) : silentLogger;
  const { master } = await startTestMaster({ logger: debug });
  const agent = await createLocalAgent({
    master: master.url,
    workDir,
    resources: "cpus:2;mem:1024;disk:1000;ports:[31000-31009]",
    logger: debug,
    options: { pingIntervalMs: 100, statusRetryMs: 100 },
  });
  await agent.whenRegistered();
  const scheduler = await subscribeFramework(master.url, {
    roles: [ROLE],
    principal: PRINCIPAL,
    capabilities: [{ type: "MULTI_ROLE" }, { type: "RESERVATION_REFINEMENT" }],
  });
  try {
    await fn({
      master,
      agent,
      workDir,
      scheduler,
      seen: [],
      agentText: `${agent.id} at slave(1)@127.0.0.1:${agent.port} (127.0.0.1)`,
    });
  } finally {
    await scheduler.close();
    await agent.stop();
    await master.stop();
    await Deno.remove(workDir, { recursive: true });
  }
}

/** Events read while waiting for others, per scheduler. */
const kept = new WeakMap<TestScheduler, Plain[]>();

/** The next event of `type`; others are kept (`w.seen` for `w.scheduler`) and looked at first. */
async function next(w: World, type: string, s = w.scheduler, timeoutMs = 10_000): Promise<Plain> {
  const seen = s === w.scheduler ? w.seen : kept.get(s) ?? [];
  kept.set(s, seen);
  const index = seen.findIndex((e) => e.type === type);
  if (index >= 0) return seen.splice(index, 1)[0]!;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const event = await s.nextEvent(Math.max(1, deadline - Date.now()));
    if (event.type === type) return event;
    if (event.type !== "HEARTBEAT") seen.push(event);
  }
}

/** The next offer for which `wanted` holds; others are given back at once. */
async function offerWith(
  w: World,
  wanted: (offer: Plain) => boolean,
  s = w.scheduler,
): Promise<Plain> {
  for (let i = 0;; i++) {
    const offer = await nextOffer(w, s);
    if (wanted(offer)) return offer;
    if (i > 20) throw new Error(`No such offer; the last: ${JSON.stringify(offer.resources)}`);
    await accept(w, offer, [], s);
  }
}

async function nextOffer(w: World, s = w.scheduler): Promise<Plain> {
  return (await next(w, "OFFERS", s)).offers.offers[0];
}

/** ACCEPTs `offer` with `operations`, unused resources not filtered. */
async function accept(w: World, offer: Plain, operations: Plain[], s = w.scheduler) {
  const res = await s.call(w.master.url, {
    type: "ACCEPT",
    accept: { offer_ids: [offer.id], operations, filters: { refuse_seconds: 0 } },
  });
  assert.equal(res.status, 202, res.body);
}

let operationIds = 0;
/** An operation with an id, so that Mesos reports its outcome. */
function op(type: string, field: string, list: string, resources: Plain[]): Plain {
  return { type, id: { value: `op-${++operationIds}` }, [field]: { [list]: resources } };
}
const reserve = (resources: Plain[]) => op("RESERVE", "reserve", "resources", resources);
const unreserve = (resources: Plain[]) => op("UNRESERVE", "unreserve", "resources", resources);
const create = (volumes: Plain[]) => op("CREATE", "create", "volumes", volumes);
const destroy = (volumes: Plain[]) => op("DESTROY", "destroy", "volumes", volumes);

/** The operation status the master sends for `operation`. */
async function statusOf(w: World, operation: Plain): Promise<Plain> {
  const id = operation.id.value;
  const found = w.seen.findIndex((e) =>
    e.type === "UPDATE_OPERATION_STATUS" &&
    e.update_operation_status.status.operation_id.value === id
  );
  if (found >= 0) return w.seen.splice(found, 1)[0]!.update_operation_status.status;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const event = await w.scheduler.nextEvent(Math.max(1, deadline - Date.now()));
    const status = event.update_operation_status?.status;
    if (status?.operation_id.value === id) return status;
    if (event.type !== "HEARTBEAT") w.seen.push(event);
  }
}

/** ACCEPTs the next offer with one operation that must fail; returns Mesos' message. */
async function rejected(w: World, operation: Plain): Promise<string> {
  await accept(w, await nextOffer(w), [operation]);
  const status = await statusOf(w, operation);
  assert.equal(status.state, "OPERATION_ERROR");
  return status.message;
}

/** Resources of `offer` that carry a reservation. */
const reservedIn = (offer: Plain) => offer.resources.filter((r: Plain) => r.reservations);
const volumesIn = (offer: Plain) => offer.resources.filter((r: Plain) => r.disk?.persistence);

async function agentState(w: World): Promise<Plain> {
  return await (await fetch(`${w.agent.url}/slave(1)/state`)).json();
}

async function taskUpdate(w: World, taskId: string, state: string): Promise<Plain> {
  for (;;) {
    const status = (await next(w, "UPDATE")).update.status;
    if (status.uuid !== undefined) {
      const res = await w.scheduler.call(w.master.url, {
        type: "ACKNOWLEDGE",
        acknowledge: {
          agent_id: status.agent_id,
          task_id: status.task_id,
          uuid: bytesToBase64(status.uuid),
        },
      });
      assert.equal(res.status, 202, res.body);
    }
    if (status.task_id.value === taskId && status.state === state) return status;
    if (status.task_id.value === taskId && ["TASK_FAILED", "TASK_ERROR"].includes(status.state)) {
      throw new Error(`task ${taskId}: ${status.state} ${status.message}`);
    }
  }
}

function commandTask(offer: Plain, taskId: string, resources: Plain[], command: string): Plain {
  return {
    name: taskId,
    task_id: { value: taskId },
    agent_id: offer.agent_id,
    resources,
    command: { value: command },
  };
}

Deno.test("RESERVE: the reservation is offered to its role only, unreserved resources to every role", async () => {
  await withWorld(async (w) => {
    const first = await nextOffer(w);
    assert.deepEqual(first.allocation_info, { role: ROLE });
    assert.equal(reservedIn(first).length, 0);
    const r = reserve([reserved("cpus", 1), reserved("mem", 256), reserved("disk", 500)]);
    await accept(w, first, [r]);
    assert.equal((await statusOf(w, r)).state, "OPERATION_FINISHED");
    const offer = await nextOffer(w);
    const expected = (name: string, value: number) => ({
      ...reserved(name, value),
      allocation_info: { role: ROLE },
    });
    assert.deepEqual(reservedIn(offer), [
      expected("cpus", 1),
      expected("mem", 256),
      expected("disk", 500),
    ]);
    // Unreserved resources in the post-refinement format: no role, no reservations.
    assert.deepEqual(
      offer.resources.find((x: Plain) => x.name === "cpus" && !x.reservations),
      { name: "cpus", type: "SCALAR", scalar: { value: 1 }, allocation_info: { role: ROLE } },
    );

    // A framework of another role (not RESERVATION_REFINEMENT: the pre format) gets only
    // the unreserved resources once the etcd framework declines.
    const other = await subscribeFramework(w.master.url, { role: "other" });
    try {
      await w.scheduler.call(w.master.url, {
        type: "DECLINE",
        decline: { offer_ids: [offer.id], filters: { refuse_seconds: 3600 } },
      });
      const theirs = await nextOffer(w, other);
      assert.equal(theirs.allocation_info, undefined);
      assert.deepEqual(
        theirs.resources.map((x: Plain) => [x.name, x.role, x.reservation, x.scalar?.value]),
        [
          ["cpus", "*", undefined, 1],
          ["mem", "*", undefined, 768],
          ["disk", "*", undefined, 500],
          ["ports", "*", undefined, undefined],
        ],
      );
    } finally {
      await other.close();
    }

    // The state endpoints show the reservation in Mesos' formats.
    const state = await agentState(w);
    assert.deepEqual(state.reserved_resources, {
      etcd: { disk: 500, mem: 256, gpus: 0, cpus: 1 },
    });
    assert.deepEqual(state.reserved_resources_full.etcd[0], {
      name: "cpus",
      type: "SCALAR",
      scalar: { value: 1 },
      role: ROLE,
      reservation: { principal: PRINCIPAL, labels: LABELS },
      reservations: [RESERVATION],
    });
    const master = await (await fetch(`${w.master.url}/master/state`)).json();
    assert.deepEqual(master.slaves[0].reserved_resources, state.reserved_resources);
    assert.deepEqual(master.slaves[0].unreserved_resources.cpus, 1);
    const slaves = await (await fetch(`${w.master.url}/master/slaves`)).json();
    assert.deepEqual(slaves.slaves[0].reserved_resources_full, state.reserved_resources_full);
  });
});

Deno.test("persistent volume: created, used by a task, re-offered with its data, kept across an agent restart, destroyed, unreserved", async () => {
  await withWorld(async (w) => {
    const vol = volume("m1");
    const first = await nextOffer(w);
    // One ACCEPT reserves, creates the volume and launches a task writing into it.
    const ops = [
      reserve([reserved("cpus", 0.5), reserved("mem", 64), reserved("disk", 100)]),
      create([vol]),
      {
        type: "LAUNCH",
        launch: {
          task_infos: [commandTask(
            first,
            "writer",
            [reserved("cpus", 0.5), reserved("mem", 64), vol],
            'echo "$MESOS_TASK_ID" > "$MESOS_SANDBOX/data/hello"',
          )],
        },
      },
    ];
    await accept(w, first, ops);
    assert.equal((await statusOf(w, ops[0]!)).state, "OPERATION_FINISHED");
    assert.equal((await statusOf(w, ops[1]!)).state, "OPERATION_FINISHED");
    await taskUpdate(w, "writer", "TASK_FINISHED");
    const volumeDir = `${w.workDir}/volumes/roles/etcd/m1`;
    assert.equal(await Deno.readTextFile(`${volumeDir}/hello`), "writer\n");
    const sandbox = (await agentState(w)).frameworks[0].completed_executors[0].directory;
    assert.equal(await Deno.readLink(`${sandbox}/data`), volumeDir);

    // Offered back to the role, with its persistence info.
    let offer = await offerWith(w, (o) => volumesIn(o).length > 0);
    assert.deepEqual(volumesIn(offer), [{ ...vol, allocation_info: { role: ROLE } }]);

    // A second task reads the data the first wrote.
    await accept(w, offer, [{
      type: "LAUNCH",
      launch: {
        task_infos: [commandTask(
          offer,
          "reader",
          [reserved("cpus", 0.5), reserved("mem", 64), vol],
          'test "$(cat data/hello)" = writer',
        )],
      },
    }]);
    await taskUpdate(w, "reader", "TASK_FINISHED");

    // The agent restarts: the reservation and the volume come back from its work dir.
    await w.agent.restart();
    await Deno.stat(`${w.workDir}/meta/resources/resources.info`);
    offer = await offerWith(w, (o) => volumesIn(o).length > 0);
    assert.deepEqual(volumesIn(offer), [{ ...vol, allocation_info: { role: ROLE } }]);
    assert.equal(await Deno.readTextFile(`${volumeDir}/hello`), "writer\n");
    const state = await agentState(w);
    assert.deepEqual(
      state.reserved_resources_full.etcd.find((r: Plain) => r.disk)?.disk,
      vol.disk,
    );

    // DESTROY removes the volume and its data; the disk stays reserved.
    const d = destroy([vol]);
    await accept(w, offer, [d]);
    assert.equal((await statusOf(w, d)).state, "OPERATION_FINISHED");
    assert.equal(await Deno.stat(volumeDir).then(() => true, () => false), false);
    offer = await offerWith(w, (o) => reservedIn(o).length > 0);
    assert.equal(volumesIn(offer).length, 0);
    assert.deepEqual(
      reservedIn(offer).map((r: Plain) => [r.name, r.scalar.value]).sort(),
      [["cpus", 0.5], ["disk", 100], ["mem", 64]],
    );

    // UNRESERVE gives everything back to `*`.
    const u = unreserve([reserved("cpus", 0.5), reserved("mem", 64), reserved("disk", 100)]);
    await accept(w, offer, [u]);
    assert.equal((await statusOf(w, u)).state, "OPERATION_FINISHED");
    offer = await nextOffer(w);
    assert.equal(reservedIn(offer).length, 0);
    assert.deepEqual((await agentState(w)).reserved_resources, {});
  });
});

Deno.test("RESERVE, UNRESERVE, CREATE and DESTROY are dropped with Mesos' messages", async () => {
  await withWorld(async (w) => {
    const on = `; on agent ${w.agentText}`;
    assert.equal(
      await rejected(w, reserve([reserved("cpus", 1, { ...RESERVATION, role: "other" })])),
      "A reserve operation was attempted for a resource with role 'other', but the resource " +
        `was allocated to role 'etcd'${on}`,
    );
    assert.equal(
      await rejected(w, reserve([scalar("cpus", 1)])),
      `Resource cpus(allocated: etcd):1 is not dynamically reserved${on}`,
    );
    assert.equal(
      await rejected(w, reserve([reserved("cpus", 1, { ...RESERVATION, principal: "q" })])),
      "A reserve operation was attempted by authenticated principal 'p', which does not " +
        `match a reserved resource in the request with principal 'q'${on}`,
    );
    assert.equal(
      await rejected(
        w,
        reserve([{
          ...scalar("cpus", 1),
          reservations: [RESERVATION, { type: "DYNAMIC", role: "other", principal: PRINCIPAL }],
        }]),
      ),
      "Operation attempted with invalid resources: Resource 'cpus(reservations: " +
        "[(DYNAMIC,etcd,p,{member: m1}),(DYNAMIC,other,p)]):1' is invalid: Invalid refined " +
        "reservation: role 'other' is not a refinement of 'etcd'",
    );
    assert.equal(
      await rejected(w, unreserve([scalar("cpus", 1)])),
      `Resource cpus(allocated: etcd):1 is not dynamically reserved${on}`,
    );
    assert.match(
      await rejected(w, unreserve([reserved("cpus", 1)])),
      /does not contain cpus\(allocated: etcd\)\(reservations: \[\(DYNAMIC,etcd,p,\{member: m1\}\)\]\):1$/,
    );
    assert.equal(
      await rejected(w, create([{ ...volume("m1"), reservations: undefined }])),
      `Invalid resources: Invalid DiskInfo: Persistent volumes cannot be created from unreserved resources${on}`,
    );
    assert.equal(
      await rejected(w, create([volume("m1", 100, null)])),
      "Create volume operation attempted by principal 'p', but there is a volume in the " +
        `operation with no principal set in 'disk.persistence'${on}`,
    );
    assert.equal(await rejected(w, destroy([volume("m1")])), `Persistent volumes not found${on}`);

    // A refinement of the etcd reservation is fine for a framework of role etcd/sub.
    // Now a valid reservation and volume, then the errors that need them.
    const offer = await nextOffer(w);
    const ok = [reserve([reserved("cpus", 1), reserved("disk", 200)]), create([volume("m1")])];
    await accept(w, offer, ok);
    for (const o of ok) assert.equal((await statusOf(w, o)).state, "OPERATION_FINISHED");
    assert.equal(
      await rejected(w, create([volume("m1")])),
      `Persistence ID 'm1' is not unique${on}`,
    );
    assert.equal(
      await rejected(w, unreserve([volume("m1")])),
      "A dynamically reserved persistent volume disk(allocated: etcd)(reservations: " +
        "[(DYNAMIC,etcd,p,{member: m1})])[m1:data]:100 cannot be unreserved directly. " +
        `Please destroy the persistent volume first then unreserve the resource${on}`,
    );

    // DESTROY of a volume a running task uses.
    const withVolume = await offerWith(w, (o) => volumesIn(o).length > 0);
    await accept(w, withVolume, [{
      type: "LAUNCH",
      launch: {
        task_infos: [commandTask(
          withVolume,
          "sleeper",
          [reserved("cpus", 1), volume("m1")],
          "sleep 60",
        )],
      },
    }]);
    await taskUpdate(w, "sleeper", "TASK_RUNNING");
    assert.equal(await rejected(w, destroy([volume("m1")])), `Persistent volumes in use${on}`);
    await w.scheduler.call(w.master.url, {
      type: "KILL",
      kill: { task_id: { value: "sleeper" }, agent_id: withVolume.agent_id },
    });
    await taskUpdate(w, "sleeper", "TASK_KILLED");

    // Without an operation id Mesos says nothing: the next offers simply show no change.
    const silent = await nextOffer(w);
    await accept(w, silent, [{
      type: "RESERVE",
      reserve: { resources: [reserved("cpus", 1, { ...RESERVATION, role: "other" })] },
    }]);
    const after = await nextOffer(w);
    assert.equal(
      reservedIn(after).some((r: Plain) => r.reservations[0].role === "other"),
      false,
    );
    assert.equal(w.seen.filter((e) => e.type === "UPDATE_OPERATION_STATUS").length, 0);
  });
});

Deno.test("a framework reserving for a role it is not subscribed to, and refinements", async () => {
  await withWorld(async (w) => {
    const on = `; on agent ${w.agentText}`;
    // Reservation role etcd/sub refines etcd; the offer is allocated to etcd, so Mesos
    // rejects it as allocated to another role.
    const sub = { type: "DYNAMIC", role: "etcd/sub", principal: PRINCIPAL };
    assert.equal(
      await rejected(w, reserve([{ ...scalar("cpus", 1), reservations: [RESERVATION, sub] }])),
      "A reserve operation was attempted for a resource with role 'etcd/sub', but the " +
        `resource was allocated to role 'etcd'${on}`,
    );
    // A framework of role etcd/sub gets resources reserved to etcd and may refine them.
    const offer = await nextOffer(w);
    const r = reserve([reserved("cpus", 1)]);
    await accept(w, offer, [r]);
    assert.equal((await statusOf(w, r)).state, "OPERATION_FINISHED");
    const refiner = await subscribeFramework(w.master.url, {
      roles: ["etcd/sub"],
      principal: PRINCIPAL,
      capabilities: [{ type: "MULTI_ROLE" }, { type: "RESERVATION_REFINEMENT" }],
    });
    try {
      const mine = await nextOffer(w);
      await w.scheduler.call(w.master.url, {
        type: "DECLINE",
        decline: { offer_ids: [mine.id], filters: { refuse_seconds: 3600 } },
      });
      const theirs = await nextOffer(w, refiner);
      assert.deepEqual(theirs.allocation_info, { role: "etcd/sub" });
      assert.deepEqual(reservedIn(theirs).map((x: Plain) => x.reservations), [[RESERVATION]]);
      const refine = reserve([{ ...scalar("cpus", 1), reservations: [RESERVATION, sub] }]);
      await accept(w, theirs, [refine], refiner);
      const status = (await next(w, "UPDATE_OPERATION_STATUS", refiner))
        .update_operation_status.status;
      assert.equal(status.state, "OPERATION_FINISHED", status.message);
      const refined = await nextOffer(w, refiner);
      assert.deepEqual(
        reservedIn(refined).map((x: Plain) => x.reservations),
        [[RESERVATION, sub]],
      );
      const state = await agentState(w);
      assert.deepEqual(Object.keys(state.reserved_resources), ["etcd/sub"]);
    } finally {
      await refiner.close();
    }
  });
});

Deno.test("a new agent process on the same work dir brings the reservations and volumes back", async () => {
  await withWorld(async (w) => {
    const ops = [
      reserve([reserved("cpus", 1), reserved("mem", 64), reserved("disk", 100)]),
      create([volume("m1")]),
    ];
    await accept(w, await nextOffer(w), ops);
    for (const o of ops) assert.equal((await statusOf(w, o)).state, "OPERATION_FINISHED");
    await Deno.writeTextFile(`${w.workDir}/volumes/roles/etcd/m1/kept`, "yes");
    await w.agent.stop();
    const again = await createLocalAgent({
      master: w.master.url,
      workDir: w.workDir,
      resources: "cpus:2;mem:1024;disk:1000;ports:[31000-31009]",
      logger: silentLogger,
      options: { pingIntervalMs: 100, statusRetryMs: 100 },
    });
    try {
      const id = await again.whenRegistered();
      const offer = await offerWith(w, (o) => o.agent_id.value === id);
      assert.deepEqual(volumesIn(offer), [{ ...volume("m1"), allocation_info: { role: ROLE } }]);
      assert.equal(await Deno.readTextFile(`${w.workDir}/volumes/roles/etcd/m1/kept`), "yes");
    } finally {
      await again.stop();
    }
  });
});
