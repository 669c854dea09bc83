/** Two local masters in a real ZooKeeper: registration, redirects, 503, failover. */
import assert from "node:assert/strict";
import { FakeClock } from "../../clock.ts";
import { silentLogger } from "../../log.ts";
import { ZkClient } from "../../zk/client.ts";
import { startZooKeeper } from "../../zk/testing/zookeeper_server.ts";
import { masterInfoZnodeData } from "./election.ts";
import { createLocalMaster, type LocalMaster } from "./master.ts";
import { subscribeFramework } from "./testing/harness.ts";

async function get(url: string, init: RequestInit = {}) {
  const res = await fetch(url, { redirect: "manual", ...init });
  return { status: res.status, location: res.headers.get("Location"), body: await res.text() };
}

Deno.test("a non-leading master redirects to the leader's hostname, 503 while no leader is known", async () => {
  const zk = await startZooKeeper();
  const client = await ZkClient.connect(zk.url);
  const masters: LocalMaster[] = [];
  const clock = new FakeClock(1_795_290_963_000);
  try {
    // A node that names no master takes the lowest sequence: nobody can be followed.
    await client.mkdirp("/mesos");
    const bogus = await client.create("/mesos/json.info_", "not json", "persistent_sequential");
    const zkUrl = `zk://${zk.url}/mesos`;
    const start = () =>
      createLocalMaster({
        zk: zkUrl,
        hostname: "localhost",
        logger: silentLogger,
        clock,
        options: { agentReregisterTimeoutMs: 60_000 },
      });
    const a = await start();
    masters.push(a);
    assert.equal(a.isLeader(), false);
    const none = await get(`${a.url}/master/state`);
    assert.deepEqual([none.status, none.body], [503, "No leader elected"]);

    await client.remove(bogus);
    await a.waitForLeadership(10_000);
    const b = await start();
    masters.push(b);
    assert.equal(b.isLeader(), false);

    const children = (await client.getChildren("/mesos")).sort();
    assert.equal(children.length, 2);
    assert.match(children[0]!, /^json\.info_\d{10}$/);
    const { data } = await client.getData(`/mesos/${children[0]}`);
    assert.equal(new TextDecoder().decode(data), masterInfoZnodeData(makeInfo(a)));

    const leader = `//localhost:${a.port}`;
    const subscribe = await get(`${b.url}/api/v1/scheduler`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: '{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"root","name":"t"}}}',
    });
    assert.deepEqual(subscribe, {
      status: 307,
      location: `${leader}/master/api/v1/scheduler`,
      body: "",
    });
    assert.equal((await get(`${b.url}/master/state`)).location, `${leader}/master/state`);
    assert.equal((await get(`${b.url}/state`)).location, `${leader}/master/state`);
    assert.equal((await get(`${b.url}/api/v1/scheduler`)).status, 307);
    assert.equal((await get(`${b.url}/master/redirect`)).location, leader);
    assert.equal((await get(`${a.url}/master/state`)).status, 200);

    await a.stop();
    await b.waitForLeadership(10_000);
    const state = JSON.parse((await get(`${b.url}/master/state`)).body);
    assert.equal(state.leader, `master@127.0.0.1:${b.port}`);

    // A new leader does not answer for agents that may still re-register.
    const scheduler = await subscribeFramework(b.url);
    await scheduler.call(b.url, {
      type: "RECONCILE",
      reconcile: { tasks: [{ task_id: { value: "t1" }, agent_id: { value: "old-S0" } }] },
    });
    assert.equal(await scheduler.quiet(150), true);
    clock.advance(60_000);
    await scheduler.call(b.url, {
      type: "RECONCILE",
      reconcile: { tasks: [{ task_id: { value: "t1" }, agent_id: { value: "old-S0" } }] },
    });
    assert.equal((await scheduler.expectEvent("UPDATE")).update.status.state, "TASK_LOST");
    await scheduler.close();
  } finally {
    for (const m of masters) await m.stop();
    await client.close();
    await zk.stop();
  }
});

function makeInfo(m: LocalMaster) {
  return {
    id: m.id,
    ip: 16777343,
    port: m.port,
    pid: `master@127.0.0.1:${m.port}`,
    hostname: "localhost",
    version: "1.12.0",
    address: { hostname: "localhost", ip: "127.0.0.1", port: m.port },
    capabilities: [{ type: "AGENT_UPDATE" }, { type: "AGENT_DRAINING" }, { type: "QUOTA_V2" }],
  };
}
