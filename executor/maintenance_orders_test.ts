import assert from "node:assert/strict";
import { parseMaintenanceOutcome } from "../contract/orders.ts";
import { good, harness, message, settle } from "./testing/executor_harness.ts";

Deno.test("reseed restarts etcd with --force-new-cluster and reports the outcome", async () => {
  const h = harness();
  h.executor.handle(good());
  await h.healthy();
  h.executor.handle(message({ op: "reseed", id: "r1" }));
  await settle();
  assert.deepEqual(h.procs[0]!.stops, [3000]);
  assert.equal(h.procs.length, 2);
  assert.ok(h.procs[1]!.args.includes("--force-new-cluster=true"));
  assert.ok(h.procs[1]!.args.includes("--data-dir=/sandbox/etcd_data"));
  assert.equal(h.messages.length, 0, "outcome reported before etcd was healthy");
  await h.healthy();
  const last = h.updates.at(-1)!;
  assert.equal(last.state, "TASK_RUNNING");
  assert.deepEqual(last.labels?.labels, [
    { key: "etcd-mesos.op", value: "reseed" },
    { key: "etcd-mesos.outcome", value: "ok" },
    { key: "etcd-mesos.etcd", value: "running" },
    { key: "etcd-mesos.order-id", value: "r1" },
  ]);
  const outcome = parseMaintenanceOutcome(h.messages[0]!);
  assert.deepEqual(
    { op: outcome.op, id: outcome.id, ok: outcome.ok, taskId: outcome.taskId },
    { op: "reseed", id: "r1", ok: true, taskId: "t1" },
  );
  assert.deepEqual(parseMaintenanceOutcome(last.data!), outcome);
  // A later crash restarts with the normal flags, not another forced new cluster.
  h.procs[1]!.exit({ code: 1, signal: null });
  await settle();
  h.clock.advance(500);
  assert.equal(h.procs[2]!.args.includes("--force-new-cluster=true"), false);
});

Deno.test("stop fences etcd (no restart on exit), restart brings it back", async () => {
  const h = harness();
  h.executor.handle(good());
  await h.healthy();
  h.executor.handle(message({ op: "stop", id: "s1" }));
  await settle();
  assert.equal(h.procs[0]!.ended, true);
  assert.equal(h.executor.state.phase, "stopped");
  assert.equal(parseMaintenanceOutcome(h.messages[0]!).etcd, "stopped");
  assert.equal(h.updates.at(-1)!.state, "TASK_RUNNING");
  h.clock.advance(60_000);
  assert.equal(h.procs.length, 1, "a fenced etcd was restarted");
  h.executor.handle(message({ op: "restart" }));
  await settle();
  assert.equal(h.procs.length, 2);
  assert.equal(h.procs[1]!.args.includes("--force-new-cluster=true"), false);
  await h.healthy();
  const outcome = parseMaintenanceOutcome(h.messages[1]!);
  assert.deepEqual([outcome.op, outcome.ok, outcome.etcd], ["restart", true, "running"]);
  assert.equal(h.executor.state.phase, "running");
});

Deno.test("orders for another task or unparsable messages change nothing", async () => {
  const h = harness();
  h.executor.handle(good());
  await h.healthy();
  h.executor.handle({ type: "MESSAGE", message: { data: new TextEncoder().encode("ping") } });
  h.executor.handle(message({ op: "stop", taskId: "t9" }));
  await settle();
  assert.equal(h.procs[0]!.ended, false);
  const outcome = parseMaintenanceOutcome(h.messages[0]!);
  assert.deepEqual([outcome.ok, outcome.message], [false, "not task t9"]);
});

Deno.test("a reseed of a data dir without a write-ahead log is refused, etcd untouched", async () => {
  const h = harness({ hasWal: false });
  h.executor.handle(good());
  await h.healthy();
  h.executor.handle(message({ op: "reseed", id: "r2" }));
  await settle();
  assert.equal(h.procs.length, 1, "no forced new cluster was started");
  assert.deepEqual(h.procs[0]!.stops, [], "the running etcd was not stopped");
  const outcome = parseMaintenanceOutcome(h.messages.at(-1)!);
  assert.equal(outcome.ok, false);
  assert.match(outcome.message, /no etcd write-ahead log/);
});
