/**
 * The agent destroys a container as a real Mesos agent does: once its executor is gone
 * (it exited, was SIGKILLed alone, missed the registration timeout, or the agent stops),
 * every process left in it dies before the tasks are reported terminal.
 */
import assert from "node:assert/strict";
import { AGENT_INTERNAL } from "../internal_protocol.ts";
import type { LocalAgent, LocalAgentTuning } from "./agent.ts";
import { launchContainer } from "./container.ts";
import { containerProcesses, destroyContainer } from "./container_destroy.ts";
import { customTask, FakeMaster, transcriptFramework, waitFor } from "./testing/fake_master.ts";
import { type AgentTest, withLocalAgent } from "./testing/with_agent.ts";

const FW = "c5151bcb-5f7a-468c-bf39-1032dc9772f5-0000";
const EXECUTOR = new URL("./testdata/test_executor.ts", import.meta.url).pathname;
/** A child in a process group of its own (still in the container's session). */
const OWN_GROUP_CHILD = `perl -e 'setpgrp(0, 0); sleep 300'`;

/** True while `pid` runs (a zombie waiting for its reaper does not count). */
function alive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return !/^[ZX]$/.test(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0]!);
  } catch {
    return false;
  }
}

function processGroup(pid: number): number | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
  } catch {
    return undefined;
  }
}

/** The pids {@linkcode spawnChildren} wrote, once the second one leads its own group. */
async function readPids(path: string): Promise<number[]> {
  const text = await waitFor(`pids in ${path}`, async () => {
    const t = await Deno.readTextFile(path).catch(() => "");
    return t.trim().split("\n").length >= 2 && t.endsWith("\n") ? t : undefined;
  });
  const pids = text.trim().split("\n").map(Number);
  await waitFor(`${pids[1]} in a group of its own`, () => processGroup(pids[1]!) === pids[1]);
  return pids;
}

/** Shell lines starting a plain child and an own-group child, their pids in `file`. */
function spawnChildren(file: string): string {
  return `sleep 300 & echo $! >> ${file}; ${OWN_GROUP_CHILD} & echo $! >> ${file}`;
}

const withAgent = (fn: AgentTest, tuning: LocalAgentTuning = {}) =>
  withLocalAgent({ prefix: "container_destroy_test_", tuning }, fn);

/** Records, for every update as it reaches the master, which of `pids` still ran. */
function aliveAtUpdates(master: FakeMaster, pids: () => number[]): Map<string, number[]> {
  const seen = new Map<string, number[]>();
  const push = master.updates.push.bind(master.updates);
  master.updates.push = (...items) => {
    for (const u of items) seen.set(u.status.state, pids().filter(alive));
    return push(...items);
  };
  return seen;
}

async function runAndFail(
  agent: LocalAgent,
  master: FakeMaster,
  command: string,
  pidFile: string,
  afterStart: () => void = () => {},
) {
  let pids: number[] = [];
  const seen = aliveAtUpdates(master, () => pids);
  await master.runTask(
    transcriptFramework(),
    customTask({ taskId: "t1", executorId: "e1", agentId: agent.id!, command }),
  );
  pids = await readPids(pidFile);
  afterStart();
  const left = await waitFor("TASK_FAILED", () => seen.get("TASK_FAILED"));
  assert.deepEqual(left, [], `still running at TASK_FAILED: ${left}`);
  for (const pid of pids) assert.ok(!alive(pid), `pid ${pid} outlived its container`);
  return { pids, update: master.updates.find((u) => u.status.state === "TASK_FAILED")!.status };
}

Deno.test("destroyContainer() kills what the leader left in its group and session", async () => {
  const dir = await Deno.makeTempDir({ prefix: "container_destroy_test_" });
  try {
    const c = launchContainer({
      argv: ["sh", "-c", `${spawnChildren(`${dir}/pids`)}; exit 0`],
      env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
      cwd: dir,
    });
    const pids = await readPids(`${dir}/pids`);
    await c.exited;
    await waitFor("both children", async () => (await containerProcesses(c.pid))?.length === 2);
    assert.ok(pids.every(alive), "the children outlive the leader by themselves");
    const result = await c.destroy();
    assert.deepEqual([result.complete, result.killed.sort()], [true, pids.sort()]);
    assert.ok(!pids.some(alive));
    assert.deepEqual(await destroyContainer(c.pid), { killed: [], complete: true });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("destroyContainer() names a bad process id", async () => {
  for (const bad of [0, 1, -5, 2.5, NaN]) {
    await assert.rejects(destroyContainer(bad), new RegExp(`Cannot destroy container ${bad}:`));
  }
});

Deno.test("an executor that exits by itself: its container is destroyed before TASK_FAILED", async () => {
  await withAgent(async (agent, master, workDir) => {
    const file = `${workDir}/pids`;
    const { update } = await runAndFail(
      agent,
      master,
      `${spawnChildren(file)}; sleep 0.3; exit 3`,
      file,
    );
    assert.deepEqual([update.reason, update.source], [
      "REASON_EXECUTOR_TERMINATED",
      "SOURCE_AGENT",
    ]);
    const exit = await waitFor("executor_exited", () => master.exits[0]);
    assert.equal(exit.status, 3 << 8);
  });
});

Deno.test("an executor SIGKILLed alone: its container is destroyed before TASK_FAILED", async () => {
  await withAgent(async (agent, master, workDir) => {
    const file = `${workDir}/pids`;
    await runAndFail(agent, master, `${spawnChildren(file)}; exec sleep 300`, file, () => {
      Deno.kill(agent.executorPids()[0]!, "SIGKILL");
    });
    assert.equal((await waitFor("executor_exited", () => master.exits[0])).status, 9);
  });
});

Deno.test("the registration timeout destroys the whole container, own-group children too", async () => {
  await withAgent(async (agent, master, workDir) => {
    const file = `${workDir}/pids`;
    const { update } = await runAndFail(
      agent,
      master,
      `${spawnChildren(file)}; exec sleep 300`,
      file,
    );
    assert.equal(update.reason, "REASON_EXECUTOR_REGISTRATION_TIMEOUT");
  }, { registrationTimeoutMs: 500 });
});

Deno.test("an executor that exits on SHUTDOWN leaves no child behind", async () => {
  await withAgent(async (agent, master, workDir) => {
    await master.runTask(
      transcriptFramework(),
      customTask({
        taskId: "t1",
        executorId: "e1",
        agentId: agent.id!,
        command: `exec deno run -A ${EXECUTOR}`,
        env: { TEST_EXECUTOR_MODE: "child" },
      }),
    );
    await waitFor("TASK_RUNNING", () => master.states("t1").includes("TASK_RUNNING"));
    const sandbox = `${workDir}/slaves/${agent.id}/frameworks/${FW}/executors/e1/runs/latest`;
    const child = Number(await Deno.readTextFile(`${sandbox}/child.pid`));
    assert.ok(alive(child));
    await master.call(AGENT_INTERNAL.shutdownExecutor, { framework_id: FW, executor_id: "e1" });
    const exit = await waitFor("executor_exited", () => master.exits[0]);
    assert.equal(exit.status, 0, "the executor exited by itself, before the grace period");
    assert.ok(!alive(child), `its child ${child} outlived the container`);
  }, { shutdownGracePeriodMs: 20_000 });
});

Deno.test("a command task's leftover background process dies with its container", async () => {
  await withAgent(async (agent, master, workDir) => {
    const file = `${workDir}/pids`;
    let pids: number[] = [];
    const seen = aliveAtUpdates(master, () => pids);
    await master.runTask(transcriptFramework(), {
      name: "c1",
      task_id: { value: "c1" },
      agent_id: { value: agent.id! },
      resources: [{ name: "cpus", type: "SCALAR", scalar: { value: 0.1 }, role: "*" }],
      command: { shell: true, value: `${spawnChildren(file)}; sleep 0.3` },
    });
    pids = await readPids(file);
    assert.deepEqual(await waitFor("TASK_FINISHED", () => seen.get("TASK_FINISHED")), []);
  });
});

Deno.test("agent stop() kills own-group children of a running executor", async () => {
  const file = await Deno.makeTempFile({ prefix: "container_destroy_test_" });
  let pids: number[] = [];
  try {
    await withAgent(async (agent, master) => {
      await master.runTask(
        transcriptFramework(),
        customTask({
          taskId: "t1",
          executorId: "e1",
          agentId: agent.id!,
          command: `${spawnChildren(file)}; exec sleep 300`,
        }),
      );
      pids = await readPids(file);
      assert.ok(pids.every(alive));
    });
    assert.deepEqual(pids.filter(alive), [], "processes outlived the agent's stop()");
  } finally {
    await Deno.remove(file);
  }
});
