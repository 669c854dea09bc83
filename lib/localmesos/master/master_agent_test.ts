/**
 * The local master with the real local agent (lib/localmesos/agent): a command task runs to
 * completion, and a master failover in ZooKeeper loses no running task.
 */
import assert from "node:assert/strict";
import { silentLogger } from "../../log.ts";
import { bytesToBase64 } from "../../mesos/base64.ts";
import type { Plain } from "../../mesos/plain.ts";
import { startZooKeeper } from "../../zk/testing/zookeeper_server.ts";
import { createLocalAgent } from "../agent/agent.ts";
import { createLocalMaster } from "./master.ts";
import {
  acceptOffer,
  commandTask,
  subscribeFramework,
  type TestScheduler,
} from "./testing/harness.ts";

async function ackAll(scheduler: TestScheduler, masterUrl: string, status: Plain) {
  if (status.uuid === undefined) return;
  const res = await scheduler.call(masterUrl, {
    type: "ACKNOWLEDGE",
    acknowledge: {
      agent_id: status.agent_id,
      task_id: status.task_id,
      uuid: bytesToBase64(status.uuid),
    },
  });
  assert.equal(res.status, 202);
}

Deno.test("a command task runs on a real local agent and is forgotten once acknowledged", async () => {
  const master = await createLocalMaster({ logger: silentLogger });
  const workDir = await Deno.makeTempDir({ prefix: "master-agent-" });
  const agent = await createLocalAgent({ master: master.url, workDir, logger: silentLogger });
  const scheduler = await subscribeFramework(master.url, { failover_timeout: 60 });
  try {
    const offer = (await scheduler.expectEvent("OFFERS")).offers.offers[0];
    const task = { ...commandTask(offer, "t1"), command: { value: "exit 0" } };
    assert.equal(await acceptOffer(scheduler, master.url, offer, [task]), 202);
    const states: string[] = [];
    for (;;) {
      const event = await scheduler.nextEvent(20_000);
      if (event.type !== "UPDATE") continue;
      const status = event.update.status;
      states.push(status.state);
      assert.equal(status.agent_id.value, agent.id);
      await ackAll(scheduler, master.url, status);
      if (status.state === "TASK_FINISHED") break;
    }
    assert.deepEqual(states, ["TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED"]);
    const state = JSON.parse(await (await fetch(`${master.url}/master/state`)).text());
    assert.deepEqual(state.frameworks[0].tasks, []);
    assert.equal(state.frameworks[0].completed_tasks[0].state, "TASK_FINISHED");
  } finally {
    await scheduler.close();
    await agent.stop();
    await master.stop();
    await Deno.remove(workDir, { recursive: true });
  }
});

Deno.test("a master failover loses no task: the new leader learns it from the agent", async () => {
  const zk = await startZooKeeper();
  const zkUrl = `zk://${zk.url}/mesos`;
  const workDir = await Deno.makeTempDir({ prefix: "master-failover-" });
  const options = { agentReregisterTimeoutMs: 60_000 };
  const m1 = await createLocalMaster({ zk: zkUrl, logger: silentLogger, options });
  await m1.waitForLeadership(10_000);
  const m2 = await createLocalMaster({ zk: zkUrl, logger: silentLogger, options });
  // The agent follows whichever master leads (as a ZooKeeper detector would).
  const leader = () => {
    const m = [m1, m2].find((x) => x.isLeader());
    return Promise.resolve(m === undefined ? undefined : new URL(m.url));
  };
  const agent = await createLocalAgent({ master: leader, workDir, logger: silentLogger });
  let first: TestScheduler | undefined;
  let second: TestScheduler | undefined;
  try {
    await agent.whenRegistered();
    first = await subscribeFramework(m1.url, { failover_timeout: 3600, checkpoint: true });
    const id = first.frameworkId;
    const offer = (await first.expectEvent("OFFERS")).offers.offers[0];
    const task = { ...commandTask(offer, "t1"), command: { value: "sleep 30" } };
    await acceptOffer(first, m1.url, offer, [task]);
    for (;;) {
      const status = (await first.expectEvent("UPDATE", 20_000)).update.status;
      await ackAll(first, m1.url, status);
      if (status.state === "TASK_RUNNING") break;
    }
    await m1.stop();
    await m2.waitForLeadership(10_000);
    second = await subscribeFramework(m2.url, { id: { value: id }, failover_timeout: 3600 });
    // Ask until the agent has re-registered with the new leader.
    let answer: Plain | undefined;
    for (let i = 0; i < 100 && answer === undefined; i++) {
      await second.call(m2.url, {
        type: "RECONCILE",
        reconcile: { tasks: [{ task_id: { value: "t1" }, agent_id: { value: agent.id! } }] },
      });
      const event = await second.nextEvent(200).catch(() => undefined);
      if (event?.type === "UPDATE") answer = event.update.status;
    }
    assert.equal(answer?.state, "TASK_RUNNING");
    assert.equal(answer?.message, "Reconciliation: Latest task state");
    await second.call(m2.url, { type: "KILL", kill: { task_id: { value: "t1" } } });
    for (;;) {
      const status = (await second.expectEvent("UPDATE", 20_000)).update.status;
      await ackAll(second, m2.url, status);
      if (status.state === "TASK_KILLED") break;
    }
  } finally {
    await first?.close();
    await second?.close();
    await agent.stop();
    await m1.stop();
    await m2.stop();
    await zk.stop();
    await Deno.remove(workDir, { recursive: true });
  }
});
