import assert from "node:assert/strict";
import { encodeMemberConfig } from "../contract/member_config.ts";
import { config, good, harness, launch, settle } from "./testing/executor_harness.ts";

Deno.test("LAUNCH sends TASK_STARTING, spawns etcd and sends TASK_RUNNING only once healthy", async () => {
  const h = harness();
  h.executor.handle(good());
  assert.deepEqual(h.states(), ["TASK_STARTING"]);
  assert.equal(h.procs.length, 1);
  const args = h.procs[0]!.args;
  assert.ok(args.includes("--data-dir=/sandbox/etcd_data"));
  assert.ok(args.includes("--initial-cluster-state=new"));
  assert.ok(args.includes("--listen-client-urls=http://127.0.0.1:31001"));
  assert.equal(args.includes("--force-new-cluster=true"), false);
  assert.equal(h.healthWaits[0]!.url, "http://127.0.0.1:31001");
  await settle();
  assert.deepEqual(h.states(), ["TASK_STARTING"], "RUNNING before etcd answered");
  await h.healthy();
  assert.deepEqual(h.states(), ["TASK_STARTING", "TASK_RUNNING"]);
  assert.match(h.updates[1]!.message!, /healthy at http:\/\/127\.0\.0\.1:31001/);
  assert.equal(h.executor.state.phase, "running");
});

Deno.test("on a persistent volume etcd's data dir is inside the volume", () => {
  const h = harness();
  h.executor.handle(launch(encodeMemberConfig({ ...config, volume: "etcd_data" })));
  assert.ok(h.procs[0]!.args.includes("--data-dir=/sandbox/etcd_data/data"));
});

Deno.test("bad task data fails the task naming the field, and the executor finishes", async () => {
  const h = harness();
  const bad = new TextEncoder().encode(JSON.stringify({ ...config, peerPort: "x" }));
  h.executor.handle(launch(bad));
  assert.deepEqual(h.states(), ["TASK_FAILED"]);
  assert.equal(h.updates[0]!.reason, "REASON_TASK_INVALID");
  assert.match(h.updates[0]!.message!, /peerPort/);
  assert.equal(h.procs.length, 0);
  assert.deepEqual(await h.executor.finished, { code: 0, reason: "task data invalid" });
});

Deno.test("missing task data fails the task", () => {
  const h = harness();
  h.executor.handle(launch(undefined));
  assert.deepEqual(h.states(), ["TASK_FAILED"]);
  assert.match(h.updates[0]!.message!, /TaskInfo\.data/);
});

Deno.test("an etcd binary that cannot run fails the task at once", async () => {
  const h = harness({ spawnError: new Deno.errors.NotFound("No such file: etcd") });
  h.executor.handle(good());
  await settle();
  assert.deepEqual(h.states(), ["TASK_STARTING", "TASK_FAILED"]);
  assert.match(h.updates[1]!.message!, /Cannot start etcd: No such file: etcd/);
});

Deno.test("an early exit is restarted with doubling backoff until the launch timeout", async () => {
  const h = harness({ launchTimeoutMs: 10_000 });
  h.executor.handle(good());
  h.procs[0]!.tail = "panic: first";
  h.procs[0]!.exit({ code: 1, signal: null });
  await settle();
  assert.equal(h.healthWaits[0]!.signal.aborted, true, "health wait of a dead etcd kept going");
  h.clock.advance(499);
  assert.equal(h.procs.length, 1, "restarted before the backoff");
  h.clock.advance(1);
  assert.equal(h.procs.length, 2);
  h.procs[1]!.exit({ code: 1, signal: null });
  await settle();
  h.clock.advance(999);
  assert.equal(h.procs.length, 2);
  h.clock.advance(1);
  assert.equal(h.procs.length, 3);
  assert.deepEqual(h.states(), ["TASK_STARTING"]);
  h.clock.advance(10_000); // past the launch timeout
  h.procs[2]!.tail = "line a\nline b: address already in use";
  h.procs[2]!.exit({ code: 2, signal: null });
  await settle();
  assert.deepEqual(h.states(), ["TASK_STARTING", "TASK_FAILED"]);
  const msg = h.updates[1]!.message!;
  assert.match(msg, /exit code 2 after 2 restart\(s\)/);
  assert.match(msg, /address already in use/);
  assert.equal(h.clock.pending, 0);
  assert.equal((await h.executor.finished).reason, "task failed");
});

Deno.test("a restarted etcd does not send TASK_RUNNING twice", async () => {
  const h = harness();
  h.executor.handle(good());
  await h.healthy();
  h.procs[0]!.exit({ code: 1, signal: null });
  await settle();
  h.clock.advance(500);
  await h.healthy();
  assert.deepEqual(h.states(), ["TASK_STARTING", "TASK_RUNNING"]);
  assert.equal(h.procs.length, 2);
});

Deno.test("an etcd that became healthy again restarts after the first delay, not a longer one", async () => {
  const h = harness({ launchTimeoutMs: 60_000 });
  h.executor.handle(good());
  await h.healthy();
  for (let i = 1; i <= 3; i++) {
    h.procs.at(-1)!.exit({ code: 137, signal: "SIGKILL" }); // kill -9, then healthy again
    await settle();
    h.clock.advance(499);
    assert.equal(h.procs.length, i, `restart ${i} came before the first delay`);
    h.clock.advance(1);
    assert.equal(h.procs.length, i + 1, `restart ${i} waited longer than the first delay`);
    await h.healthy();
  }
  assert.deepEqual(h.states(), ["TASK_STARTING", "TASK_RUNNING"]);
});

Deno.test("KILL stops etcd with the kill policy's grace period and sends TASK_KILLED", async () => {
  const h = harness();
  h.executor.handle(good());
  await h.healthy();
  h.procs[0]!.ignoreTerm = true;
  h.executor.handle({
    type: "KILL",
    kill: { task_id: { value: "t1" }, kill_policy: { grace_period: { nanoseconds: 7e9 } } },
  });
  await settle();
  assert.deepEqual(h.procs[0]!.stops, [7000]);
  assert.deepEqual(h.states(), ["TASK_STARTING", "TASK_RUNNING"], "KILLED before etcd stopped");
  h.clock.advance(7000);
  await settle();
  assert.deepEqual(h.states(), ["TASK_STARTING", "TASK_RUNNING", "TASK_KILLED"]);
  assert.match(h.updates[2]!.message!, /signal SIGKILL/);
  assert.equal(h.procs.length, 1, "etcd was restarted after a kill");
  assert.equal((await h.executor.finished).code, 0);
});

Deno.test("KILL uses the task's kill policy, then the default, and sends TASK_KILLING when allowed", async () => {
  const h = harness();
  h.executor.handle({
    type: "SUBSCRIBED",
    subscribed: {
      executor_info: { executor_id: { value: "e" } },
      framework_info: { user: "u", name: "n", capabilities: [{ type: "TASK_KILLING_STATE" }] },
      agent_info: { hostname: "h" },
    },
  });
  h.executor.handle(launch(encodeMemberConfig(config), {
    kill_policy: { grace_period: { nanoseconds: 2e9 } },
  }));
  h.executor.handle({ type: "KILL", kill: { task_id: { value: "t1" } } });
  await settle();
  assert.deepEqual(h.procs[0]!.stops, [2000]);
  assert.deepEqual(h.states(), ["TASK_STARTING", "TASK_KILLING", "TASK_KILLED"]);
  h.healthWaits[0]!.resolve(true);
  await settle();
  assert.equal(h.states().includes("TASK_RUNNING"), false, "RUNNING after a kill");
});

Deno.test("KILL of an unknown task changes nothing", async () => {
  const h = harness();
  h.executor.handle(good());
  h.executor.handle({ type: "KILL", kill: { task_id: { value: "other" } } });
  await settle();
  assert.deepEqual(h.procs[0]!.stops, []);
  assert.deepEqual(h.states(), ["TASK_STARTING"]);
});

Deno.test("SHUTDOWN kills the task within the shutdown grace and finishes", async () => {
  const h = harness();
  h.executor.handle(launch(encodeMemberConfig(config), {
    kill_policy: { grace_period: { nanoseconds: 30e9 } },
  }));
  await h.healthy();
  h.executor.handle({ type: "SHUTDOWN" });
  await settle();
  assert.deepEqual(h.procs[0]!.stops, [4000]);
  assert.deepEqual(h.states(), ["TASK_STARTING", "TASK_RUNNING", "TASK_KILLED"]);
  assert.deepEqual(await h.executor.finished, { code: 0, reason: "executor shut down" });
});

Deno.test("agent loss stops etcd without updates and finishes with code 1", async () => {
  const h = harness();
  h.executor.handle(good());
  await h.healthy();
  await h.executor.abort("connection refused");
  assert.equal(h.procs[0]!.ended, true);
  assert.deepEqual(h.states(), ["TASK_STARTING", "TASK_RUNNING"]);
  assert.equal((await h.executor.finished).code, 1);
  assert.equal(h.clock.pending, 0);
});

Deno.test("a second LAUNCH is refused while a task runs", () => {
  const h = harness();
  h.executor.handle(good());
  h.executor.handle(launch(encodeMemberConfig(config), { task_id: { value: "t2" } }));
  assert.deepEqual(h.updates.map((u) => [u.task_id.value, u.state]), [
    ["t1", "TASK_STARTING"],
    ["t2", "TASK_FAILED"],
  ]);
  assert.match(h.updates[1]!.message!, /already runs task t1/);
});
