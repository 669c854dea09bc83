import assert from "node:assert/strict";
import { bytesToBase64 } from "../../mesos/base64.ts";
import type { Plain } from "../../mesos/plain.ts";
import { RecordIODecoder } from "../../mesos/recordio.ts";
import { AGENT_INTERNAL } from "../internal_protocol.ts";
import type { LocalAgent, LocalAgentTuning } from "./agent.ts";
import { customTask, transcriptFramework, waitFor } from "./testing/fake_master.ts";
import { type AgentTest, withLocalAgent } from "./testing/with_agent.ts";

const FW = "c5151bcb-5f7a-468c-bf39-1032dc9772f5-0000";

const withAgent = (fn: AgentTest, tuning: LocalAgentTuning = {}, autoAck = true) =>
  withLocalAgent({ prefix: "supervisor_test_", tuning, autoAck }, fn);

function executorCall(agent: LocalAgent, executorId: string, body: Record<string, unknown>) {
  return fetch(`${agent.url}/api/v1/executor`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      executor_id: { value: executorId },
      framework_id: { value: FW },
      ...body,
    }),
  });
}

/** Acts as executor `executorId`: subscribes and collects the event types and bodies. */
async function actAsExecutor(agent: LocalAgent, executorId: string, subscribe?: unknown) {
  if (subscribe === undefined) {
    await waitFor(`executor ${executorId} to be started`, async () => {
      const res = await executorCall(agent, executorId, { type: "HEARTBEAT" });
      await res.body?.cancel();
      return res.status === 403;
    });
    // Subscribe only once the process exists (not while the agent is still fetching).
    await waitFor("the executor process", () => agent.executorPids().length > 0);
  }
  const res = await executorCall(agent, executorId, {
    type: "SUBSCRIBE",
    subscribe: subscribe ?? {},
  });
  const events: Plain[] = [];
  const decoder = new RecordIODecoder();
  const reader = res.body!.getReader();
  const done = (async () => {
    while (true) {
      const { value } = await reader.read().catch(() => ({ value: undefined }));
      if (!value) return;
      for (const r of decoder.decode(value)) events.push(JSON.parse(new TextDecoder().decode(r)));
    }
  })();
  return {
    events,
    types: () => events.map((e) => e.type as string),
    done,
    async close() {
      await reader.cancel().catch(() => {});
      await done;
    },
  };
}

function uuid(n: number): string {
  const b = new Uint8Array(16).fill(n);
  b[6] = 0x40;
  b[8] = 0x80;
  return bytesToBase64(b);
}

function updateBody(taskId: string, state: string, n: number) {
  return {
    type: "UPDATE",
    update: {
      status: {
        task_id: { value: taskId },
        state,
        source: "SOURCE_EXECUTOR",
        uuid: uuid(n),
        timestamp: 1,
      },
    },
  };
}

Deno.test("an executor that never subscribes is killed: TASK_FAILED REASON_EXECUTOR_REGISTRATION_TIMEOUT", async () => {
  await withAgent(async (agent, master) => {
    await master.runTask(
      transcriptFramework(),
      customTask({ taskId: "t1", executorId: "e1", agentId: agent.id!, command: "exec sleep 30" }),
    );
    const exit = await waitFor("executor_exited", () => master.exits[0]);
    assert.equal(exit.status, 9, "killed by SIGKILL");
    await waitFor("TASK_FAILED", () => master.states("t1").length > 0);
    const u = master.updates[0]!.status;
    assert.deepEqual([u.state, u.reason, u.source], [
      "TASK_FAILED",
      "REASON_EXECUTOR_REGISTRATION_TIMEOUT",
      "SOURCE_AGENT",
    ]);
    assert.equal(u.message, "Executor did not register within 300ms");
  }, { registrationTimeoutMs: 300 });
});

Deno.test("an executor exit fails its queued task and reports the raw wait status", async () => {
  await withAgent(async (agent, master) => {
    await master.runTask(
      transcriptFramework(),
      customTask({ taskId: "t1", executorId: "e1", agentId: agent.id!, command: "exit 3" }),
    );
    const exit = await waitFor("executor_exited", () => master.exits[0]);
    assert.deepEqual(exit, {
      agent_id: agent.id,
      framework_id: FW,
      executor_id: "e1",
      status: 3 << 8,
    });
    await waitFor("TASK_FAILED", () => master.states("t1").length > 0);
    assert.equal(master.updates[0]!.status.reason, "REASON_EXECUTOR_TERMINATED");
    assert.equal(master.updates[0]!.status.message, "Executor terminated");
  });
});

Deno.test("a failed fetch fails the task with REASON_CONTAINER_LAUNCH_FAILED and the reason", async () => {
  await withAgent(async (agent, master, workDir) => {
    const task = customTask({
      taskId: "t1",
      executorId: "e1",
      agentId: agent.id!,
      command: "true",
      uris: [{ value: `${workDir}/missing.tgz` }],
    });
    await master.runTask(transcriptFramework(), task);
    await waitFor("TASK_FAILED", () => master.states("t1").length > 0);
    const s = master.updates[0]!.status;
    assert.equal(s.reason, "REASON_CONTAINER_LAUNCH_FAILED");
    assert.match(
      s.message,
      new RegExp(`^Failed to launch container: Failed to fetch '${workDir}/missing.tgz'`),
    );
  });
});

Deno.test("status updates are retried until acknowledged, one in flight per task, in order", async () => {
  await withAgent(
    async (agent, master) => {
      await master.runTask(
        transcriptFramework(),
        customTask({
          taskId: "t1",
          executorId: "e1",
          agentId: agent.id!,
          command: "exec sleep 30",
        }),
      );
      const ex = await actAsExecutor(agent, "e1");
      for (const [state, n] of [["TASK_STARTING", 1], ["TASK_RUNNING", 2]] as const) {
        const res = await executorCall(agent, "e1", updateBody("t1", state, n));
        assert.equal(res.status, 202);
        await res.body?.cancel();
      }
      await waitFor(
        "ACKNOWLEDGED x2",
        () => ex.types().filter((t) => t === "ACKNOWLEDGED").length === 2,
      );
      assert.deepEqual(ex.events.slice(2).map((e) => e.acknowledged.uuid), [uuid(1), uuid(2)]);
      await waitFor("three tries of TASK_STARTING", () => master.updates.length >= 3);
      assert.deepEqual(master.states("t1").slice(0, 3), [
        "TASK_STARTING",
        "TASK_STARTING",
        "TASK_STARTING",
      ]);
      const gaps = master.updates.slice(1, 3).map((u, i) => u.at - master.updates[i]!.at);
      assert.ok(gaps[1]! > gaps[0]!, `backoff grows: ${gaps}`);
      await master.acknowledge(master.updates[0]!);
      await waitFor("TASK_RUNNING", () => master.states("t1").includes("TASK_RUNNING"));
      await master.acknowledge(master.updates.find((u) => u.status.state === "TASK_RUNNING")!);
      const count = master.updates.length;
      await new Promise((r) => setTimeout(r, 400)); // several retry periods: nothing more
      assert.equal(master.updates.length, count);
      await ex.close();
    },
    {},
    false,
  );
});

Deno.test("re-SUBSCRIBE closes the old stream and replays only unseen unacknowledged updates", async () => {
  await withAgent(async (agent, master) => {
    await master.runTask(
      transcriptFramework(),
      customTask({ taskId: "t1", executorId: "e1", agentId: agent.id!, command: "exec sleep 30" }),
    );
    const first = await actAsExecutor(agent, "e1");
    await waitFor("LAUNCH", () => first.types().includes("LAUNCH"));
    const seen = updateBody("t1", "TASK_STARTING", 1).update;
    const res = await executorCall(agent, "e1", updateBody("t1", "TASK_STARTING", 1));
    await res.body?.cancel();
    const second = await actAsExecutor(agent, "e1", {
      unacknowledged_updates: [seen, updateBody("t1", "TASK_RUNNING", 2).update],
    });
    await first.done; // the old stream ended
    await waitFor("TASK_RUNNING", () => master.states("t1").includes("TASK_RUNNING"));
    assert.deepEqual(master.states("t1"), ["TASK_STARTING", "TASK_RUNNING"]);
    assert.deepEqual(second.types().slice(0, 1), ["SUBSCRIBED"]);
    assert.ok(!second.types().includes("LAUNCH"), "the task is not launched twice");
    await second.close();
  });
});

Deno.test("shutdown_executor sends SHUTDOWN, then kills the process group after the grace period", async () => {
  await withAgent(async (agent, master) => {
    await master.runTask(
      transcriptFramework(),
      customTask({ taskId: "t1", executorId: "e1", agentId: agent.id!, command: "exec sleep 30" }),
    );
    const ex = await actAsExecutor(agent, "e1");
    const started = Date.now();
    await master.call(AGENT_INTERNAL.shutdownExecutor, { framework_id: FW, executor_id: "e1" });
    await waitFor("SHUTDOWN", () => ex.types().includes("SHUTDOWN"));
    const exit = await waitFor("executor_exited", () => master.exits[0]);
    assert.ok(Date.now() - started >= 150, `waited for the grace period`);
    assert.equal(exit.status, 9);
    await ex.done; // the agent ended the stream when the executor died
  }, { shutdownGracePeriodMs: 200 });
});

Deno.test("killing a task still queued for a registering executor answers TASK_KILLED", async () => {
  await withAgent(async (agent, master) => {
    await master.runTask(
      transcriptFramework(),
      customTask({ taskId: "t1", executorId: "e1", agentId: agent.id!, command: "exec sleep 30" }),
    );
    await master.call(AGENT_INTERNAL.killTask, { framework_id: FW, task_id: "t1" });
    await waitFor("TASK_KILLED", () => master.states("t1").length > 0);
    assert.equal(master.updates[0]!.status.state, "TASK_KILLED");
    assert.equal(master.updates[0]!.status.reason, "REASON_TASK_KILLED_DURING_LAUNCH");
    await master.call(AGENT_INTERNAL.killTask, { framework_id: FW, task_id: "nope" });
    await waitFor("TASK_LOST", () => master.states("nope").length > 0);
    assert.equal(master.updates.at(-1)!.status.message, "Cannot find executor");
    await waitFor("executor_exited", () => master.exits[0]); // the empty executor is shut down
  });
});
