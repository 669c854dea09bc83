import assert from "node:assert/strict";
import { createEtcdAdminClient } from "./admin_client.ts";
import { EtcdAdminError } from "./admin_errors.ts";
import { startEtcd } from "./testing/etcd_server.ts";
import { until } from "../until.ts";
import { freePort } from "../free_ports.ts";

/** Three etcds bootstrapped together as one static cluster. */
function startThree() {
  const names = ["m1", "m2", "m3"];
  const peers = names.map(() => `http://127.0.0.1:${freePort()}`);
  const initial = names.map((n, i) => `${n}=${peers[i]}`).join(",");
  const token = `move-leader-${crypto.randomUUID()}`;
  return Promise.all(names.map((name, i) =>
    startEtcd({
      name,
      // Later flags win: every member advertises the peer URL of the shared --initial-cluster.
      args: [
        `--listen-peer-urls=${peers[i]}`,
        `--initial-advertise-peer-urls=${peers[i]}`,
        `--initial-cluster=${initial}`,
        `--initial-cluster-token=${token}`,
      ],
    })
  ));
}

Deno.test("moveLeader() hands leadership to the member asked; only the leader accepts it", async () => {
  const etcds = await startThree();
  const admin = createEtcdAdminClient({ endpoints: etcds.map((e) => e.clientUrl) });
  try {
    const statuses = await until(async () => {
      const all = await Promise.all(etcds.map((e) => admin.status(e.clientUrl)));
      return all.every((s) => s.leader !== "0" && s.leader === all[0]!.leader) ? all : undefined;
    }, { timeoutMs: 20_000, what: "one leader for the three" });
    const leaderId = statuses[0]!.leader;
    const leader = statuses.find((s) => s.memberId === leaderId)!;
    const followers = statuses.filter((s) => s.memberId !== leaderId);
    const target = followers[0]!;

    await assert.rejects(
      admin.moveLeader(followers[1]!.endpoint, target.memberId),
      (e: unknown) => e instanceof EtcdAdminError && /moveLeader/.test(e.message),
      "a follower refuses MoveLeader",
    );
    await admin.moveLeader(leader.endpoint, target.memberId);
    const after = await until(async () => {
      const s = await admin.status(target.endpoint);
      return s.leader === target.memberId ? s : undefined;
    }, { timeoutMs: 10_000, what: "the target leading" });
    assert.equal(after.leader, target.memberId);
    assert.equal((await admin.status(leader.endpoint)).leader, target.memberId);
    await assert.rejects(admin.moveLeader(leader.endpoint, "x1"), /"x1"/);
  } finally {
    admin.close();
    await Promise.all(etcds.map((e) => e.stop()));
  }
});
