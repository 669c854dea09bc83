import assert from "node:assert/strict";
import { silentLogger } from "../../log.ts";
import { ZkClient } from "../../zk/client.ts";
import { startZooKeeper } from "../../zk/testing/zookeeper_server.ts";
import { createLocalAgent, type LocalAgent, type LocalAgentOptions } from "./agent.ts";
import {
  customTask,
  FakeMaster,
  processExists,
  transcriptFramework,
  waitFor,
} from "./testing/fake_master.ts";

async function withAgent(
  masters: FakeMaster[],
  master: LocalAgentOptions["master"],
  fn: (agent: LocalAgent, workDir: string) => Promise<void>,
) {
  const workDir = await Deno.makeTempDir({ prefix: "master_link_test_" });
  const agent = await createLocalAgent({
    master,
    workDir,
    logger: silentLogger,
    options: { pingIntervalMs: 50, statusRetryMs: 50 },
  });
  try {
    await agent.whenRegistered();
    await fn(agent, workDir);
  } finally {
    await agent.stop();
    for (const m of masters) await m.stop();
    await Deno.remove(workDir, { recursive: true });
  }
}

function commandTask(agentId: string, id: string) {
  return {
    name: id,
    task_id: { value: id },
    agent_id: { value: agentId },
    command: { value: "exec sleep 30" },
  };
}

Deno.test("the agent registers, pings, and re-registers with the same id and its tasks after a 404 ping", async () => {
  const master = new FakeMaster();
  await withAgent([master], master.url, async (agent) => {
    const first = master.registrations[0]!;
    assert.equal(first.agent_id, undefined);
    assert.equal(first.agent_url, agent.url);
    assert.deepEqual(first.agent_info.resources.map((r: { name: string }) => r.name), [
      "cpus",
      "mem",
      "disk",
      "ports",
    ]);
    await waitFor("pings", () => master.pings >= 2);
    await master.runTask(transcriptFramework(), commandTask(agent.id!, "t1"));
    await waitFor("t1 running", () => master.states("t1").includes("TASK_RUNNING"));
    master.forgetAgents = true;
    await waitFor("re-registration", () => master.registrations.length >= 2);
    master.forgetAgents = false;
    const again = master.registrations[1]!;
    assert.equal(again.agent_id, agent.id);
    assert.deepEqual(again.tasks.map((t) => [t.task_id.value, t.state]), [["t1", "TASK_RUNNING"]]);
    assert.equal(again.tasks[0]!.framework_id.value, transcriptFramework().id.value);
    assert.deepEqual(again.frameworks.map((f) => f.id.value), [transcriptFramework().id.value]);
  });
});

Deno.test("the agent follows a leader lookup to a new master and re-registers there", async () => {
  const a = new FakeMaster();
  const b = new FakeMaster();
  let leader = new URL(a.url);
  await withAgent([a, b], () => Promise.resolve(leader), async (agent) => {
    const id = agent.id;
    leader = new URL(b.url);
    await waitFor("registration with b", () => b.registrations.length > 0);
    assert.equal(b.registrations[0]!.agent_id, id);
    // The old leader goes away; updates now reach the new one.
    await a.stop().catch(() => {});
    await b.runTask(transcriptFramework(), commandTask(agent.id!, "t1"));
    await waitFor("t1 running at b", () => b.states("t1").includes("TASK_RUNNING"));
  });
});

Deno.test("partition(true) stops all talk with the master; healing re-registers and delivers held updates", async () => {
  const master = new FakeMaster();
  await withAgent([master], master.url, async (agent) => {
    await master.runTask(transcriptFramework(), commandTask(agent.id!, "t1"));
    await waitFor("t1 running", () => master.states("t1").includes("TASK_RUNNING"));
    agent.partition(true);
    const pings = master.pings;
    const internal = await fetch(`${agent.url}/_local/master/kill_task`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ framework_id: transcriptFramework().id.value, task_id: "t1" }),
    });
    assert.equal(internal.status, 503, "the master's calls are refused too");
    await internal.body?.cancel();
    assert.ok(agent.killExecutor("t1"), "fault hook kills the command");
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(master.pings <= pings + 1, "no pings while partitioned");
    assert.ok(!master.states("t1").includes("TASK_FAILED"), "no update while partitioned");
    agent.partition(false);
    await waitFor("re-registration", () => master.registrations.length >= 2);
    await waitFor("held TASK_FAILED", () => master.states("t1").includes("TASK_FAILED"));
  });
});

Deno.test("restart() keeps checkpointing executors, kills the others, comes back on the same port and id", async () => {
  const master = new FakeMaster();
  await withAgent([master], master.url, async (agent) => {
    const keep = { ...transcriptFramework("fw-keep"), checkpoint: true };
    const lose = { ...transcriptFramework("fw-lose"), checkpoint: false };
    const cmd = "echo $$ > pid; exec sleep 30";
    await master.runTask(
      keep,
      customTask({
        taskId: "k",
        executorId: "ek",
        agentId: agent.id!,
        frameworkId: "fw-keep",
        command: cmd,
      }),
    );
    await master.runTask(
      lose,
      customTask({
        taskId: "l",
        executorId: "el",
        agentId: agent.id!,
        frameworkId: "fw-lose",
        command: cmd,
      }),
    );
    const pidOf = (executorId: string) =>
      waitFor(`pid of ${executorId}`, async () => {
        const state = await (await fetch(`${agent.url}/state`)).json();
        const dir = state.frameworks.flatMap((
          f: { executors: { id: string; directory: string }[] },
        ) => f.executors).find((e: { id: string }) => e.id === executorId)?.directory;
        const text = dir && await Deno.readTextFile(`${dir}/pid`).catch(() => "");
        return text ? Number(text) : undefined;
      });
    const pk = await pidOf("ek");
    const pl = await pidOf("el");
    const { port, id } = agent;
    await agent.restart();
    assert.equal(agent.port, port);
    await waitFor("re-registration", () => master.registrations.length >= 2);
    assert.equal(agent.id, id);
    assert.equal(master.registrations.at(-1)!.agent_id, id);
    assert.ok(processExists(pk), "checkpointing executor survives");
    await waitFor("non-checkpointing executor killed", () => !processExists(pl));
    const state = await (await fetch(`${agent.url}/state`)).json();
    assert.equal(state.id, id);
  });
});

/** MasterInfo JSON of a fake master, as a real master writes it into ZooKeeper. */
function znode(master: FakeMaster): string {
  const port = Number(new URL(master.url).port);
  return JSON.stringify({
    address: { hostname: "127.0.0.1", ip: "127.0.0.1", port },
    hostname: "127.0.0.1",
    id: master.masterId,
    ip: 16777343,
    pid: `master@127.0.0.1:${port}`,
    port,
    version: "1.12.0",
  });
}

Deno.test("with zk:// the agent follows the leading master's znode and re-registers on failover", async () => {
  const zk = await startZooKeeper();
  const client = await ZkClient.connect(zk.url);
  const a = new FakeMaster({ masterId: "master-a" });
  const b = new FakeMaster({ masterId: "master-b" });
  try {
    await client.mkdirp("/mesos");
    const nodeA = await client.create("/mesos/json.info_", znode(a), "ephemeral_sequential");
    await client.create("/mesos/json.info_", znode(b), "ephemeral_sequential");
    await withAgent([], `zk://${zk.url}/mesos`, async (agent) => {
      assert.equal(a.registrations.length, 1);
      assert.equal(b.registrations.length, 0);
      await client.remove(nodeA); // a loses leadership
      await waitFor("registration with b", () => b.registrations.length > 0);
      assert.equal(b.registrations[0]!.agent_id, agent.id);
    });
  } finally {
    await a.stop();
    await b.stop();
    await client.close();
    await zk.stop();
  }
});
