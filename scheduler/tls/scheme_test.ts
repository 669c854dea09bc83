import assert from "node:assert/strict";
import type { EtcdAdmin, EtcdMember } from "../../lib/etcd/admin.ts";
import type { MemberLaunch } from "../core/effects.ts";
import { tlsSchemeAdmin, withTls } from "./scheme.ts";

const m = (id: string, peer: string): EtcdMember => ({
  id,
  name: `n${id}`,
  peerUrls: [peer],
  clientUrls: [peer.replace(":1", ":2")],
  isLearner: false,
});

Deno.test("tlsSchemeAdmin() adds learners with https peer URLs and reports http ones", async () => {
  const added: string[][] = [];
  const inner = {
    memberList: () => Promise.resolve([m("1", "https://h:1")]),
    addLearner: (urls: readonly string[]) => {
      added.push([...urls]);
      return Promise.resolve({
        member: m("2", urls[0]!),
        members: [m("1", "https://h:1"), m("2", urls[0]!)],
        learner: true,
      });
    },
    status: () => Promise.resolve("status"),
  } as unknown as EtcdAdmin;
  const etcd = tlsSchemeAdmin(inner);
  assert.deepEqual((await etcd.memberList())[0]!.peerUrls, ["http://h:1"]);
  const r = await etcd.addLearner(["http://g:1"]);
  assert.deepEqual(added, [["https://g:1"]]);
  assert.deepEqual(r.member.peerUrls, ["http://g:1"]);
  assert.deepEqual(r.members.map((x) => x.clientUrls[0]), ["http://h:2", "http://g:2"]);
  assert.equal(await etcd.status("x") as unknown, "status");
});

Deno.test("withTls() gives the member config https URLs and tls", () => {
  const launch = {
    name: "etcd-2",
    config: {
      name: "etcd-2",
      host: "h",
      peerPort: 1,
      clientPort: 2,
      initialCluster: "etcd-1=http://g:1,etcd-2=http://h:1",
      clusterState: "existing",
      clusterToken: "t",
      learner: true,
    },
  } as unknown as MemberLaunch;
  const out = withTls(launch);
  assert.equal(out.config.initialCluster, "etcd-1=https://g:1,etcd-2=https://h:1");
  assert.equal(out.config.tls, true);
  assert.equal(launch.config.tls, undefined, "the core's launch is untouched");
});
