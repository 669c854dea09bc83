/**
 * The real executor process against a real etcd, driven by an agent stand-in that speaks
 * the v1 executor API.
 */
import assert from "node:assert/strict";
import { encodeMaintenanceOrder, parseMaintenanceOutcome } from "../contract/orders.ts";
import { type AgentStandIn, startAgentStandIn } from "./testing/agent_stand_in.ts";
import { memberConfig, memberTask } from "./testing/single_member.ts";

const MAIN = new URL("./main.ts", import.meta.url).pathname;
const ETCD = "/usr/bin/etcd";

async function etcdHealthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
    const body = await res.text();
    return res.ok && JSON.parse(body).health === "true";
  } catch {
    return false;
  }
}

async function portClosed(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.close();
    return false;
  } catch {
    return true;
  }
}

/** SIGTERM (the executor then stops etcd), and SIGKILL if it is still there after 15 s. */
async function stop(child: Deno.ChildProcess, exited: Promise<Deno.CommandOutput>) {
  const signal = (sig: Deno.Signal) => {
    try {
      child.kill(sig);
    } catch {
      // already gone
    }
  };
  signal("SIGTERM");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((r) => timer = setTimeout(() => r("late"), 15_000));
  if (await Promise.race([exited, late]) === "late") signal("SIGKILL");
  clearTimeout(timer);
  await exited;
}

/** Runs the executor process against `agent` in a fresh sandbox. */
async function withExecutor(
  agent: AgentStandIn,
  args: string[],
  body: (sandbox: string, exited: Promise<Deno.CommandOutput>) => Promise<void>,
  options: { etcdInSandbox?: string } = {},
) {
  const sandbox = await Deno.makeTempDir({ prefix: "etcd-exec-it-" });
  let etcdFlag = [`--etcd-bin=${ETCD}`];
  if (options.etcdInSandbox !== undefined) {
    // As if the fetcher had extracted an etcd release into the sandbox.
    await Deno.mkdir(`${sandbox}/${options.etcdInSandbox}`, { recursive: true });
    await Deno.symlink(ETCD, `${sandbox}/${options.etcdInSandbox}/etcd`);
    etcdFlag = [];
  }
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", MAIN, ...etcdFlag, ...args],
    env: agent.env(sandbox),
    cwd: sandbox,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const exited = child.output();
  try {
    await body(sandbox, exited);
  } finally {
    await stop(child, exited);
    await agent.close();
    await Deno.remove(sandbox, { recursive: true });
  }
}

const states = (agent: AgentStandIn) => agent.updates.map((u) => u.state);

Deno.test("executor: TASK_RUNNING only once etcd answers; KILL stops etcd and sends TASK_KILLED", async () => {
  const config = memberConfig("it-token");
  const url = `http://127.0.0.1:${config.clientPort}`;
  const agent = await startAgentStandIn(memberTask(config));
  await withExecutor(agent, [], async (sandbox, exited) => {
    await agent.waitFor("TASK_STARTING", () => states(agent).includes("TASK_STARTING"));
    await agent.waitFor("TASK_RUNNING", () => states(agent).includes("TASK_RUNNING"));
    assert.equal(await etcdHealthy(url), true, "TASK_RUNNING before etcd answered");
    assert.deepEqual(states(agent), ["TASK_STARTING", "TASK_RUNNING"]);
    for (const u of agent.updates) {
      assert.equal(u.source, "SOURCE_EXECUTOR");
      assert.equal(u.uuid?.length, 16);
    }
    assert.ok((await Deno.stat(`${sandbox}/etcd_data/member`)).isDirectory);

    agent.send({ type: "KILL", kill: { task_id: agent.updates[0]!.task_id } });
    await agent.waitFor("TASK_KILLED", () => states(agent).includes("TASK_KILLED"));
    assert.equal(await portClosed(config.clientPort), true, "etcd still listens after KILL");
    const out = await exited;
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    assert.deepEqual(states(agent), ["TASK_STARTING", "TASK_RUNNING", "TASK_KILLED"]);
    assert.ok(stderr.includes(`etcdBin=${sandbox}/etcd-v3.4-linux-amd64/etcd`), stderr);
  }, { etcdInSandbox: "etcd-v3.4-linux-amd64" });
});

Deno.test("executor: bad task data fails the task with the reason", async () => {
  const bad = new TextEncoder().encode(
    JSON.stringify({ ...memberConfig("it-token"), clusterState: "old" }),
  );
  const agent = await startAgentStandIn(memberTask(bad));
  await withExecutor(agent, [], async (_sandbox, exited) => {
    const failed = await agent.waitFor(
      "TASK_FAILED",
      () => agent.updates.find((u) => u.state === "TASK_FAILED"),
    );
    assert.match(failed.message!, /clusterState/);
    assert.equal(failed.reason, "REASON_TASK_INVALID");
    assert.equal((await exited).code, 0);
    assert.deepEqual(states(agent), ["TASK_FAILED"]);
  });
});

Deno.test("executor: an etcd that cannot start fails the task with its stderr after the launch timeout", async () => {
  const config = memberConfig("it-token");
  const blocker = Deno.listen({ hostname: "127.0.0.1", port: config.clientPort });
  try {
    const agent = await startAgentStandIn(memberTask(config));
    await withExecutor(agent, ["--launch-timeout=1s"], async (_sandbox, exited) => {
      const failed = await agent.waitFor(
        "TASK_FAILED",
        () => agent.updates.find((u) => u.state === "TASK_FAILED"),
      );
      assert.match(failed.message!, /etcd exited with exit code \d+ after \d+ restart/);
      assert.match(failed.message!, /address already in use/);
      assert.equal((await exited).code, 0);
      assert.deepEqual(states(agent), ["TASK_STARTING", "TASK_FAILED"]);
    });
  } finally {
    blocker.close();
  }
});

Deno.test("executor: a reseed order restarts etcd with --force-new-cluster and reports back", async () => {
  const config = memberConfig("it-token");
  const url = `http://127.0.0.1:${config.clientPort}`;
  const agent = await startAgentStandIn(memberTask(config));
  await withExecutor(agent, [], async (_sandbox, exited) => {
    await agent.waitFor("TASK_RUNNING", () => states(agent).includes("TASK_RUNNING"));
    agent.send({
      type: "MESSAGE",
      message: { data: encodeMaintenanceOrder({ op: "reseed", id: "r1" }) },
    });
    const data = await agent.waitFor("outcome message", () => agent.messages[0]);
    const outcome = parseMaintenanceOutcome(data);
    assert.deepEqual([outcome.op, outcome.id, outcome.ok, outcome.etcd], [
      "reseed",
      "r1",
      true,
      "running",
    ]);
    assert.equal(await etcdHealthy(url), true);
    const update = agent.updates.at(-1)!;
    assert.equal(update.state, "TASK_RUNNING");
    assert.ok(
      update.labels?.labels?.some((l) => l.key === "etcd-mesos.op" && l.value === "reseed"),
    );
    agent.send({ type: "SHUTDOWN" });
    const out = await exited;
    assert.equal(out.code, 0);
    assert.match(new TextDecoder().decode(out.stderr), /starting etcd.*--force-new-cluster=true/);
    assert.equal(states(agent).at(-1), "TASK_KILLED");
    assert.equal(await portClosed(config.clientPort), true, "etcd outlived SHUTDOWN");
  });
});

Deno.test("executor: losing the agent without checkpointing stops etcd and exits", async () => {
  const config = memberConfig("it-token");
  const agent = await startAgentStandIn(memberTask(config));
  await withExecutor(agent, [], async (_sandbox, exited) => {
    await agent.waitFor("TASK_RUNNING", () => states(agent).includes("TASK_RUNNING"));
    agent.endStream();
    const out = await exited;
    assert.equal(out.code, 1);
    assert.equal(await portClosed(config.clientPort), true, "etcd outlived its executor");
  });
});
