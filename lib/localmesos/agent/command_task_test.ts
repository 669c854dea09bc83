import assert from "node:assert/strict";
import { AGENT_INTERNAL } from "../internal_protocol.ts";
import { commandExecutorInfo, commandOutcome, killGraceMs } from "./command_task.ts";
import { transcriptFramework, waitFor } from "./testing/fake_master.ts";
import { type AgentTest, withLocalAgent } from "./testing/with_agent.ts";

const FW = "c5151bcb-5f7a-468c-bf39-1032dc9772f5-0000";

Deno.test("commandOutcome() maps exits to the command executor's states and messages", () => {
  assert.deepEqual(commandOutcome({ code: 0, raw: 0 }, false), {
    state: "TASK_FINISHED",
    message: "Command exited with status 0",
  });
  assert.deepEqual(commandOutcome({ code: 2, raw: 512 }, false), {
    state: "TASK_FAILED",
    message: "Command exited with status 2",
  });
  assert.deepEqual(commandOutcome({ code: 143, signal: "SIGTERM", raw: 15 }, true), {
    state: "TASK_KILLED",
    message: "Command terminated with signal Terminated",
  });
  assert.equal(
    commandOutcome({ code: 137, signal: "SIGKILL", raw: 9 }, false).state,
    "TASK_FAILED",
  );
});

Deno.test("commandExecutorInfo() names the executor like Mesos and killGraceMs() reads policies", () => {
  const task = { task_id: { value: "t1" }, command: { value: "sleep 3" } };
  assert.equal(
    commandExecutorInfo(task, FW).name,
    "Command Executor (Task: t1) (Command: sh -c 'sleep 3')",
  );
  assert.equal(killGraceMs(undefined, task), 3_000);
  assert.equal(killGraceMs({ grace_period: { nanoseconds: 5e8 } }, task), 500);
});

const withAgent = (fn: AgentTest) => withLocalAgent({ prefix: "command_task_test_" }, fn);

function commandTask(agentId: string, id: string, value: string) {
  return { name: id, task_id: { value: id }, agent_id: { value: agentId }, command: { value } };
}

Deno.test("a command task reports STARTING, RUNNING, then FINISHED or FAILED with the exit status", async () => {
  await withAgent(async (agent, master) => {
    await master.runTask(
      transcriptFramework(),
      commandTask(agent.id!, "ok", 'test -n "$MESOS_SANDBOX"'),
    );
    await master.runTask(transcriptFramework(), commandTask(agent.id!, "bad", "exit 2"));
    await waitFor(
      "both done",
      () => master.states("ok").length === 3 && master.states("bad").length === 3,
    );
    assert.deepEqual(master.states("ok"), ["TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED"]);
    assert.deepEqual(master.states("bad"), ["TASK_STARTING", "TASK_RUNNING", "TASK_FAILED"]);
    const last = master.updates.filter((u) => u.status.task_id.value === "bad").at(-1)!.status;
    assert.equal(last.message, "Command exited with status 2");
    assert.equal(last.executor_id.value, "bad");
    assert.equal(last.source, "SOURCE_EXECUTOR");
    assert.equal(master.exits.length, 0, "no executor_exited for command executors");
  });
});

Deno.test("killing a command task sends SIGTERM and reports TASK_KILLED", async () => {
  await withAgent(async (agent, master) => {
    await master.runTask(transcriptFramework(), commandTask(agent.id!, "t1", "exec sleep 30"));
    await waitFor("running", () => master.states("t1").includes("TASK_RUNNING"));
    const state = await (await fetch(`${agent.url}/slave(1)/state`)).json();
    assert.equal(state.frameworks[0].executors[0].tasks[0].executor_id, "");
    assert.equal(state.frameworks[0].executors[0].id, "t1");
    await master.call(AGENT_INTERNAL.killTask, { framework_id: FW, task_id: "t1" });
    await waitFor("killed", () => master.states("t1").includes("TASK_KILLED"));
    const last = master.updates.at(-1)!.status;
    assert.equal(last.message, "Command terminated with signal Terminated");
  });
});
