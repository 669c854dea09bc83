/**
 * Fuzzing of the scheduler's event handling: the real shell and core get seeded streams of
 * hostile but decodable events (mutated offers with absurd resources, status updates with
 * random states, ids and repeats, rescinds, failures, disconnections), as the scheduler
 * client would deliver them. No step may fail, and every launch must use one offer once and
 * only ports that offer holds. Failure messages name the seed.
 */
import assert from "node:assert/strict";
import { FakeClock } from "../lib/clock.ts";
import { memoryLogger } from "../lib/log.ts";
import type { SchedulerCall } from "../lib/mesos/calls.ts";
import { CodecError } from "../lib/mesos/codec_errors.ts";
import { decodeMessage } from "../lib/mesos/encoding.ts";
import { toJsonText } from "../lib/mesos/json_encode.ts";
import { mutateJsonValue, SeededRandom } from "../lib/mesos/testing/fuzzing.ts";
import type { Offer, SchedulerEvent, TaskState } from "../lib/mesos/types.ts";
import { offer, status, TEST_OPTIONS } from "./core/testing/scenario_world.ts";
import { executorCommand } from "../contract/executor_command.ts";
import { createSchedulerShell } from "./shell.ts";
import { FakeEtcd, FakeShellClient } from "./testing/shell_fakes.ts";

const EVENT = "mesos.v1.scheduler.Event";
const FW = "6f1c2a9e-5d3b-4c1e-9a7f-0b8e2d4c6a10-0000";
const STATES: TaskState[] = [
  "TASK_STAGING",
  "TASK_STARTING",
  "TASK_RUNNING",
  "TASK_KILLING",
  "TASK_FINISHED",
  "TASK_FAILED",
  "TASK_KILLED",
  "TASK_ERROR",
  "TASK_LOST",
  "TASK_DROPPED",
  "TASK_UNREACHABLE",
  "TASK_GONE",
  "TASK_UNKNOWN",
];

/** A hostile but plausible event; launched task ids make status updates hit real members. */
function hostileEvent(rnd: SeededRandom, taskIds: string[], offerIds: string[]): SchedulerEvent {
  const agent = 1 + rnd.int(6);
  switch (rnd.int(9)) {
    case 0:
    case 1:
    case 2: {
      const offers = Array.from({ length: 1 + rnd.int(3) }, () => {
        const ports: [number, number][] = rnd.chance(0.3)
          ? [[rnd.int(70000) - 100, rnd.int(70000) - 100], [65534, 2 ** 60]]
          : [[31000 + agent * 100, 31000 + agent * 100 + 99]];
        const o = offer(1 + rnd.int(6), {
          cpus: rnd.chance(0.2) ? -1 : 4,
          ports,
          id: rnd.chance(0.2) && offerIds.length > 0 ? rnd.pick(offerIds) : undefined,
        });
        if (rnd.chance(0.1)) o.hostname = rnd.pick(["", "two words", "a/b", "tab\tx", "ü"]);
        offerIds.push(o.id.value);
        return o;
      });
      return { type: "OFFERS", offers: { offers } };
    }
    case 3:
    case 4:
    case 5: {
      const id = taskIds.length > 0 && rnd.chance(0.8)
        ? rnd.pick(taskIds)
        : `etcd-${rnd.int(9)} h${agent} ${31000 + rnd.int(600)} ${31000 + rnd.int(600)}`;
      return {
        type: "UPDATE",
        update: {
          status: status(id, rnd.pick(STATES), { agentId: `a${agent}`, uuid: rnd.chance(0.7) }),
        },
      };
    }
    case 6:
      return {
        type: "RESCIND",
        rescind: { offer_id: { value: offerIds.length > 0 ? rnd.pick(offerIds) : "O0" } },
      };
    case 7:
      return {
        type: "FAILURE",
        failure: { agent_id: { value: `a${agent}` }, ...(rnd.chance(0.5) ? { status: 137 } : {}) },
      };
    default:
      return { type: "HEARTBEAT" };
  }
}

/** The event after a JSON round trip, maybe mutated; undefined when it no longer decodes. */
function throughTheWire(rnd: SeededRandom, event: SchedulerEvent): SchedulerEvent | undefined {
  let doc: unknown = JSON.parse(toJsonText(EVENT, event));
  if (rnd.chance(0.5)) doc = mutateJsonValue(rnd, doc);
  try {
    return decodeMessage<SchedulerEvent>(
      EVENT,
      new TextEncoder().encode(JSON.stringify(doc)),
      "json",
    );
  } catch (e) {
    if (e instanceof CodecError) return undefined;
    throw e;
  }
}

/**
 * Ports of a LAUNCH's task resources must lie in the ranges of the offer it used (any
 * delivery of that id: a hostile master may repeat ids with other contents).
 */
function checkLaunches(calls: SchedulerCall[], offers: Map<string, Offer[]>, seed: string): number {
  let launches = 0;
  for (const call of calls) {
    if (call.type !== "ACCEPT") continue;
    const ids = call.accept!.offer_ids.map((o: { value: string }) => o.value);
    assert.equal(ids.length, 1, `${seed}: one offer per ACCEPT`);
    const id = ids[0]!;
    const delivered = offers.get(id);
    assert.ok(delivered !== undefined, `${seed}: ACCEPT of offer ${id} that was never offered`);
    const ranges = delivered.flatMap((o) => o.resources ?? []).filter((r) => r.name === "ports")
      .flatMap((r) => r.ranges?.range ?? []);
    for (const op of call.accept!.operations ?? []) {
      for (const task of op.launch?.task_infos ?? []) {
        launches++;
        for (const r of task.resources ?? []) {
          if (r.name !== "ports") continue;
          for (const { begin, end } of r.ranges!.range!) {
            for (const p of [Number(begin), Number(end)]) {
              assert.ok(p >= 1 && p <= 65535, `${seed}: port ${p} launched`);
              assert.ok(
                ranges.some((x) => Number(x.begin) <= p && p <= Number(x.end)),
                `${seed}: port ${p} not in offer ${id}`,
              );
            }
          }
        }
      }
    }
  }
  return launches;
}

Deno.test("the shell and core take 40 seeded streams of hostile events without a failed step", async () => {
  let launches = 0;
  for (let seed = 1; seed <= 40; seed++) {
    const rnd = new SeededRandom(seed);
    const clock = new FakeClock(1_000_000);
    const client = new FakeShellClient();
    const etcd = new FakeEtcd();
    etcd.fail = () => rnd.chance(0.2);
    const logger = memoryLogger();
    const shell = createSchedulerShell({
      client,
      etcd: etcd.asAdmin(),
      executor: {
        command: executorCommand({ executorUri: "http://x/e.tar.gz", etcdUri: "http://x/etcd" }),
      },
      core: { ...TEST_OPTIONS, clusterSize: 3, reconcileSettleMs: 100 },
      clock,
      logger,
      tickMs: 1000,
    });
    const running = shell.run();
    const offers = new Map<string, Offer[]>();
    const offerIds: string[] = [];
    const connect = () => client.connected(FW);
    connect();
    const taskIds: string[] = [];
    let seenCalls = 0;
    for (let i = 0; i < 150; i++) {
      for (const c of client.calls.slice(seenCalls)) {
        for (const op of c.type === "ACCEPT" ? c.accept!.operations ?? [] : []) {
          for (const t of op.launch?.task_infos ?? []) taskIds.push(t.task_id.value);
        }
      }
      seenCalls = client.calls.length;
      const event = throughTheWire(rnd, hostileEvent(rnd, taskIds, offerIds));
      if (event !== undefined) {
        // Offers as they were delivered (after mutation) count for the launch check.
        for (const o of event.offers?.offers ?? []) {
          offers.set(o.id.value, [...offers.get(o.id.value) ?? [], o]);
        }
        client.notices.push({ type: "event", event });
      }
      if (rnd.chance(0.03)) {
        client.notices.push({ type: "disconnected", reason: "fuzz" });
        connect();
      }
      // Let the effects answer (the fake etcd resolves at once), then let time pass.
      for (let k = 0; k < 10; k++) await Promise.resolve();
      if (i % 25 === 0) await new Promise((r) => setTimeout(r, 0));
      clock.advance(rnd.int(3000));
    }
    client.notices.close();
    await running;
    await shell.stop();
    const where = `seed ${seed}`;
    const failed = logger.records.filter((r) =>
      r.msg === "step failed" || r.msg === "effect failed" || r.msg === "cannot build the TaskInfo"
    );
    assert.deepEqual(failed.map((r) => `${r.msg}: ${JSON.stringify(r.fields)}`), [], where);
    JSON.stringify([shell.stats(), shell.members(), shell.health()]);
    for (const m of shell.state.members) {
      for (const p of [m.peerPort, m.clientPort]) {
        assert.ok(Number.isInteger(p) && p >= 1 && p <= 65535, `${where}: member port ${p}`);
      }
    }
    launches += checkLaunches(client.calls, offers, where);
  }
  assert.ok(launches > 10, `only ${launches} launches: the fuzz does not reach the launch path`);
});
