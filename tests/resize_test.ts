/**
 * End to end: runtime resize against real etcd. A 3-member cluster on 5 agents grows to 5
 * through `POST /cluster-size {"size": 5}` and shrinks back to 3 with `{"size": 3}`; the
 * admin API (`/members`, `/stats`) and etcd's own member list follow, and the leader stays.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Etcd3 } from "etcd3";
import { endpointsOf, readKey, writeKey } from "./testing/etcd.ts";
import type { AdminClient } from "./testing/admin.ts";
import { withWorld } from "./testing/world.ts";

const TOKEN = "resize-token";

async function resize(admin: AdminClient, body: string, token = TOKEN) {
  const res = await fetch(`${admin.url}/cluster-size`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body,
    signal: AbortSignal.timeout(5000),
  });
  return { status: res.status, text: await res.text() };
}

async function etcdVoters(endpoints: string[]): Promise<string[]> {
  const client = new Etcd3({ hosts: endpoints, dialTimeout: 3000 });
  try {
    const list = await client.cluster.memberList({ linearizable: true });
    return list.members.filter((m) => !m.isLearner).map((m) => m.name).sort();
  } finally {
    client.close();
  }
}

Deno.test("resize 3 → 5 → 3 through POST /cluster-size against real etcd", () =>
  withWorld({
    name: "resize",
    agents: 5,
    clusterSize: 3,
    schedulerFlags: [`--admin-token=${TOKEN}`],
  }, async (world) => {
    const { admin } = world;
    const three = await admin.waitHealthy(3, 90_000);
    world.mark("3 members healthy");
    await writeKey(endpointsOf(three), "resize/key", "kept");

    const bad = await resize(admin, '{"size": 4}');
    assert.equal(bad.status, 400);
    assert.match(bad.text, /Cannot resize to 4/);
    assert.equal((await resize(admin, '{"size": 5}', "wrong")).status, 401);

    const grow = await resize(admin, '{"size": 5}');
    assert.equal(grow.status, 202, grow.text);
    assert.match(grow.text, /3 -> 5/);
    const five = await admin.waitHealthy(5, 120_000);
    world.mark("grown to 5");
    assert.equal(new Set(five.map((m) => m.agentId)).size, 5, "one member per agent");
    assert.equal((await admin.stats()).desired_servers, 5);
    assert.equal((await etcdVoters(endpointsOf(five))).length, 5, "etcd lists 5 voters");
    const leader = five.find((m) => m.leader)!;
    assert.ok(leader !== undefined, "one leader");

    const shrink = await resize(admin, '{"size": 3}');
    assert.equal(shrink.status, 202, shrink.text);
    const back = await admin.waitHealthy(3, 120_000);
    world.mark("shrunk to 3");
    assert.equal((await admin.stats()).desired_servers, 3);
    assert.equal((await etcdVoters(endpointsOf(back))).length, 3, "etcd lists 3 voters");
    assert.ok(back.some((m) => m.memberId === leader.memberId), "the leader was kept");
    assert.equal(await readKey(endpointsOf(back), "resize/key"), "kept", "no data lost");
  }));
