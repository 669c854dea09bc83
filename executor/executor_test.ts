import assert from "node:assert/strict";
import { FakeClock } from "../lib/clock.ts";
import type { ExecutorEvent, TaskInfo } from "../lib/mesos/types.ts";
import { encodeMemberConfig, type MemberConfig } from "../contract/member_config.ts";
import type { EtcdProcess, ExitStatus } from "./etcd_process.ts";
import { defaultListenHost, EtcdExecutor, type StatusReport } from "./executor.ts";
import { encodeMaintenanceOrder, parseMaintenanceOutcome } from "../contract/orders.ts";

const config: MemberConfig = {
  name: "etcd-1",
  host: "127.0.0.1",
  peerPort: 31000,
  clientPort: 31001,
  initialCluster: "etcd-1=http://127.0.0.1:31000",
  clusterState: "new",
  clusterToken: "tok",
  learner: false,
};

/** A process double: exits when the test says so, or on stop() (SIGKILL after grace). */
class FakeProcess implements EtcdProcess {
  static nextPid = 100;
  readonly pid = FakeProcess.nextPid++;
  readonly exited: Promise<ExitStatus>;
  stops: number[] = [];
  tail = "";
  ignoreTerm = false;
  #resolve!: (s: ExitStatus) => void;
  #ended = false;

  constructor(readonly args: string[], readonly clock: FakeClock) {
    this.exited = new Promise((r) => this.#resolve = r);
  }
  get ended() {
    return this.#ended;
  }
  exit(status: ExitStatus) {
    if (this.#ended) return;
    this.#ended = true;
    this.#resolve(status);
  }
  stderrTail() {
    return this.tail;
  }
  stop(graceMs: number): Promise<ExitStatus> {
    this.stops.push(graceMs);
    if (!this.ignoreTerm) this.exit({ code: 143, signal: "SIGTERM" });
    else this.clock.setTimeout(() => this.exit({ code: 137, signal: "SIGKILL" }), graceMs);
    return this.exited;
  }
}

function harness(
  options: { launchTimeoutMs?: number; spawnError?: Error; hasWal?: boolean } = {},
) {
  const clock = new FakeClock(1_000_000);
  const updates: StatusReport[] = [];
  const messages: Uint8Array[] = [];
  const procs: FakeProcess[] = [];
  const healthWaits: { url: string; signal: AbortSignal; resolve: (ok: boolean) => void }[] = [];
  const executor = new EtcdExecutor({
    sendUpdate: (s) => updates.push(s),
    sendMessage: (d) => messages.push(d),
    spawn: (args) => {
      if (options.spawnError) throw options.spawnError;
      const p = new FakeProcess(args, clock);
      procs.push(p);
      return p;
    },
    waitHealthy: (url, signal) =>
      new Promise((resolve) => {
        healthWaits.push({ url, signal, resolve });
        signal.addEventListener("abort", () => resolve(false));
      }),
    clock,
    hasWal: () => options.hasWal ?? true,
  }, {
    sandbox: "/sandbox",
    launchTimeoutMs: options.launchTimeoutMs ?? 10_000,
    killGraceMs: 3_000,
    shutdownGraceMs: 5_000,
  });
  const states = () => updates.map((u) => u.state);
  /** Marks the latest health wait healthy. */
  const healthy = async () => {
    healthWaits.at(-1)!.resolve(true);
    await settle();
  };
  return { clock, updates, messages, procs, healthWaits, executor, states, healthy };
}

async function settle() {
  for (let i = 0; i < 30; i++) await Promise.resolve();
}

function launch(data: Uint8Array | undefined, extra: Partial<TaskInfo> = {}): ExecutorEvent {
  return {
    type: "LAUNCH",
    launch: {
      task: {
        name: "etcd-server",
        task_id: { value: "t1" },
        agent_id: { value: "a1" },
        ...(data ? { data } : {}),
        ...extra,
      },
    },
  };
}

const good = () => launch(encodeMemberConfig(config));
const message = (order: object): ExecutorEvent => ({
  type: "MESSAGE",
  message: { data: encodeMaintenanceOrder(order as never) },
});

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

Deno.test("defaultListenHost() binds IP literals, maps localhost, and widens names", () => {
  assert.equal(defaultListenHost("10.1.2.3"), "10.1.2.3");
  assert.equal(defaultListenHost("localhost"), "127.0.0.1");
  assert.equal(defaultListenHost("[::1]"), "::1");
  assert.equal(defaultListenHost("agent-1.example"), "0.0.0.0");
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
