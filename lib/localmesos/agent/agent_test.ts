import assert from "node:assert/strict";
import { transcriptText } from "../../../tests/fixtures/transcripts.ts";
import { AGENT_INTERNAL } from "../internal_protocol.ts";
import type { LocalAgent, LocalAgentTuning } from "./agent.ts";
import { customTask, processExists, transcriptFramework, waitFor } from "./testing/fake_master.ts";
import { type AgentTest, withLocalAgent } from "./testing/with_agent.ts";

const FW = "c5151bcb-5f7a-468c-bf39-1032dc9772f5-0000";
const EXECUTOR = new URL("./testdata/test_executor.ts", import.meta.url).pathname;
const RUN_EXECUTOR = `exec deno run -A ${EXECUTOR}`;

const withAgent = (fn: AgentTest, tuning: LocalAgentTuning = {}) =>
  withLocalAgent({ prefix: "agent_test_", tuning }, fn);

async function sandboxOf(agent: LocalAgent, executorId: string): Promise<string> {
  const state = await (await fetch(`${agent.url}/slave(1)/state`)).json();
  for (const fw of state.frameworks) {
    for (const ex of [...fw.executors, ...fw.completed_executors]) {
      if (ex.id === executorId) return ex.directory;
    }
  }
  throw new Error(`No executor ${executorId} in /state`);
}

async function readJsonLines(path: string): Promise<Record<string, unknown>[]> {
  const text = await Deno.readTextFile(path).catch(() => "");
  return text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
}

Deno.test("an executor gets exactly the MESOS_* environment of executor-env.txt, in its sandbox", async () => {
  await withAgent(async (agent, master, workDir) => {
    const task = customTask({
      taskId: "t1",
      executorId: "e1",
      agentId: agent.id!,
      command: RUN_EXECUTOR,
    });
    await master.runTask(transcriptFramework(), task);
    const dir = await waitFor("the executor sandbox", async () => {
      const d = await sandboxOf(agent, "e1").catch(() => undefined);
      return d && (await Deno.stat(`${d}/env.json`).then(() => d, () => undefined));
    });
    const env = JSON.parse(await Deno.readTextFile(`${dir}/env.json`)) as Record<string, string>;
    const captured = (await transcriptText("executor-env.txt")).trim().split("\n")
      .map((l) => l.slice(0, l.indexOf("=")))
      // LC_CTYPE comes from python3, MESOS_NATIVE_* from a native libmesos install.
      .filter((k) => k !== "LC_CTYPE" && !k.startsWith("MESOS_NATIVE"));
    assert.deepEqual(Object.keys(env).sort(), captured.sort());
    const containerId = dir.slice(dir.lastIndexOf("/") + 1);
    assert.equal(
      dir,
      `${workDir}/slaves/${agent.id}/frameworks/${FW}/executors/e1/runs/${containerId}`,
    );
    assert.equal(env.MESOS_DIRECTORY, dir);
    assert.equal(env.MESOS_SANDBOX, dir);
    assert.equal(await Deno.readTextFile(`${dir}/cwd.txt`), dir);
    assert.equal(env.MESOS_AGENT_ENDPOINT, `127.0.0.1:${agent.port}`);
    assert.equal(env.MESOS_SLAVE_PID, `slave(1)@127.0.0.1:${agent.port}`);
    assert.equal(env.MESOS_SLAVE_ID, agent.id);
    assert.equal(env.MESOS_CHECKPOINT, "1");
    assert.equal(env.MESOS_RECOVERY_TIMEOUT, "15mins");
    assert.equal(env.MESOS_SUBSCRIPTION_BACKOFF_MAX, "2secs");
    assert.equal(env.MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD, "5secs");
    assert.equal(env.HOME, undefined);
    await Deno.stat(`${dir}/stdout`);
    await Deno.stat(`${dir}/stderr`);
  });
});

Deno.test("a custom executor runs tasks, relays messages, reports KILL and its exit", async () => {
  await withAgent(async (agent, master) => {
    const fw = transcriptFramework();
    const t1 = customTask({
      taskId: "t1",
      executorId: "e1",
      agentId: agent.id!,
      command: RUN_EXECUTOR,
      data: "one",
    });
    await master.runTask(fw, t1);
    await waitFor("t1 running", () => master.states("t1").includes("TASK_RUNNING"));
    // A second task for the running executor is delivered at once.
    await master.runTask(fw, { ...t1, name: "t2", task_id: { value: "t2" } });
    await waitFor("t2 running", () => master.states("t2").includes("TASK_RUNNING"));
    assert.deepEqual(master.states("t1"), ["TASK_STARTING", "TASK_RUNNING"]);
    const u = master.updates[0]!;
    assert.equal(u.framework_id, FW);
    assert.equal(u.agent_id, agent.id);
    assert.equal(u.status.agent_id.value, agent.id);
    assert.equal(u.status.source, "SOURCE_EXECUTOR");
    assert.equal(
      u.status.container_status.network_infos[0].ip_addresses[0].ip_address,
      "127.0.0.1",
    );
    assert.equal(typeof u.status.container_status.executor_pid, "number");

    const dir = await sandboxOf(agent, "e1");
    const state = await (await fetch(`${agent.url}/state`)).json();
    const ex = state.frameworks[0].executors[0];
    assert.deepEqual(ex.tasks.map((t: { id: string; state: string }) => [t.id, t.state]), [
      ["t1", "TASK_RUNNING"],
      ["t2", "TASK_RUNNING"],
    ]);
    assert.equal(state.id, agent.id);
    assert.equal(state.pid, `slave(1)@127.0.0.1:${agent.port}`);

    await master.call(AGENT_INTERNAL.frameworkMessage, {
      framework_id: FW,
      executor_id: "e1",
      data: btoa("ping"),
    });
    const m = await waitFor("the executor's echo", () => master.messages[0]);
    assert.deepEqual(m, {
      agent_id: agent.id,
      framework_id: FW,
      executor_id: "e1",
      data: btoa("echo:ping"),
    });

    await master.call(AGENT_INTERNAL.killTask, { framework_id: FW, task_id: "t1" });
    const exit = await waitFor("executor_exited", () => master.exits[0]);
    assert.deepEqual(exit, { agent_id: agent.id, framework_id: FW, executor_id: "e1", status: 0 });
    await waitFor("t2 failed", () => master.states("t2").includes("TASK_FAILED"));
    assert.deepEqual(master.states("t1"), ["TASK_STARTING", "TASK_RUNNING", "TASK_KILLED"]);
    const failed = master.updates.find((x) =>
      x.status.task_id.value === "t2" && x.status.state === "TASK_FAILED"
    )!;
    assert.equal(failed.status.source, "SOURCE_AGENT");
    assert.equal(failed.status.reason, "REASON_EXECUTOR_TERMINATED");
    assert.equal(failed.status.message, "Executor terminated");
    assert.equal(failed.status.executor_id.value, "e1");

    const events = (await readJsonLines(`${dir}/events.jsonl`)).map((e) => e.type);
    assert.deepEqual(events.slice(0, 2), ["SUBSCRIBED", "LAUNCH"]);
    for (const t of ["LAUNCH", "MESSAGE", "KILL", "ACKNOWLEDGED"]) assert.ok(events.includes(t), t);
    assert.equal(events.filter((e) => e === "ACKNOWLEDGED").length, 5);
  });
});

Deno.test("stop() kills every executor process group: no process is left behind", async () => {
  const pids: number[] = [];
  await withAgent(async (agent, master) => {
    for (const id of ["a", "b"]) {
      await master.runTask(
        transcriptFramework(),
        customTask({
          taskId: `t-${id}`,
          executorId: id,
          agentId: agent.id!,
          command: RUN_EXECUTOR,
          env: { TEST_EXECUTOR_MODE: "child" },
        }),
      );
    }
    for (const id of ["a", "b"]) {
      const dir = await waitFor(
        `executor ${id}`,
        () => sandboxOf(agent, id).catch(() => undefined),
      );
      const child = await waitFor(
        `child of ${id}`,
        () => Deno.readTextFile(`${dir}/child.pid`).catch(() => undefined),
      );
      pids.push(Number(child));
    }
    pids.push(...agent.executorPids());
    assert.equal(pids.length, 4);
    for (const pid of pids) assert.ok(processExists(pid), `pid ${pid} runs before stop()`);
  });
  for (const pid of pids) {
    await waitFor(`pid ${pid} to disappear`, () => !processExists(pid), 3_000);
  }
});

Deno.test("a framework shutdown the master sends while re-admitting the agent is obeyed", async () => {
  await withAgent(async (agent, master) => {
    await master.runTask(
      transcriptFramework(),
      customTask({ taskId: "t-s", executorId: "s", agentId: agent.id!, command: RUN_EXECUTOR }),
    );
    await waitFor("executor s", () => sandboxOf(agent, "s").catch(() => undefined));
    await waitFor("executor s's process", () => agent.executorPids().length > 0);
    const [pid] = agent.executorPids();
    assert.ok(pid !== undefined && processExists(pid));
    // The master forgot the agent (it was removed as unreachable): the agent re-registers,
    // and the master orders the shutdown of the framework before it answers.
    const answered: number[] = [];
    master.beforeRegisterAnswer = async () => {
      const res = await master.call(AGENT_INTERNAL.shutdownFramework, { framework_id: FW });
      answered.push(res.status);
    };
    master.forgetAgents = true;
    await waitFor(
      "the re-registration and the shutdown's answer",
      () => master.registrations.length >= 2 && answered.length >= 1,
    );
    master.forgetAgents = false;
    assert.deepEqual(answered.slice(0, 1), [200]);
    await waitFor(`executor pid ${pid} gone`, () => !processExists(pid), 10_000);
  });
});
