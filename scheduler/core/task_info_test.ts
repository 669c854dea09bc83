import assert from "node:assert/strict";
import { decodeMessage, encodeMessage } from "../../lib/mesos/encoding.ts";
import { missingRequiredFields } from "../../lib/mesos/required_fields.ts";
import type { TaskInfo } from "../../lib/mesos/types.ts";
import { decodeMemberConfig } from "../../contract/member_config.ts";
import {
  buildMemberLaunch,
  joiningCluster,
  memberDiscovery,
  withMembership,
} from "./launch_spec.ts";
import { fitOffer } from "./placement.ts";
import { buildTaskInfo, executorIdOf } from "./task_info.ts";
import { offer } from "./testing/scenario_world.ts";

const needs = { cpus: 1, memMb: 256, diskMb: 512, executorCpus: 0.1, executorMemMb: 32 };

function launchOn(n: number) {
  const o = offer(n);
  const fit = fitOffer(o, needs);
  assert.ok(fit.ok);
  return buildMemberLaunch(o, {
    name: `etcd-${n}`,
    allocation: fit.allocation,
    clusterState: "new",
    clusterToken: "etcd-fw-1",
    learner: false,
  });
}

Deno.test("memberDiscovery() publishes peer (tcp) and client ports as the original did", () => {
  assert.deepEqual(memberDiscovery(2380, 2379), {
    visibility: "EXTERNAL",
    name: "etcd-server",
    ports: {
      ports: [
        { number: 2380, name: "peer", protocol: "tcp" },
        { number: 2379, name: "client", protocol: "client" },
      ],
    },
  });
});

Deno.test("buildTaskInfo() makes a complete TaskInfo that both encodings accept", () => {
  const launch = launchOn(1);
  const task = buildTaskInfo(launch, {
    command: {
      value: "./etcd-mesos-executor",
      shell: false,
      uris: [{ value: "http://s/x.tar.gz" }],
    },
    frameworkId: "fw-1",
  });
  assert.deepEqual(missingRequiredFields("mesos.v1.TaskInfo", task), []);
  assert.equal(task.name, "etcd-server");
  assert.equal(task.task_id.value, "etcd-1 h1 31100 31101");
  assert.equal(task.executor?.executor_id.value, executorIdOf(launch));
  assert.deepEqual(decodeMemberConfig(task.data), launch.config);
  for (const enc of ["json", "protobuf"] as const) {
    const back = decodeMessage<TaskInfo>(
      "mesos.v1.TaskInfo",
      encodeMessage("mesos.v1.TaskInfo", task, enc),
      enc,
    );
    assert.equal(back.task_id.value, task.task_id.value, enc);
    assert.equal(back.discovery?.ports?.ports?.[1]?.protocol, "client", enc);
    assert.equal(back.executor?.framework_id?.value, "fw-1", enc);
  }
});

Deno.test("buildMemberLaunch() for new: the initial cluster is the member alone", () => {
  const launch = launchOn(2);
  assert.equal(launch.config.initialCluster, "etcd-2=http://h2:31200");
  assert.equal(launch.config.clusterState, "new");
  assert.equal(launch.labels.find((l) => l.key === "etcd_mesos_cluster_token")?.value, "etcd-fw-1");
});

Deno.test("joiningCluster() lists every configured member, naming unstarted ones", () => {
  const entries = joiningCluster([
    { id: "11", name: "etcd-1", peerUrls: ["http://h1:1"], isLearner: false },
    { id: "12", name: "", peerUrls: ["http://h9:9"], isLearner: true },
    { id: "13", name: "", peerUrls: ["http://h3:3"], isLearner: true },
  ], { name: "etcd-3", peerUrl: "http://h3:3" });
  assert.deepEqual(entries.map((e) => `${e.name}=${e.peerUrl}`), [
    "etcd-1=http://h1:1",
    "unstarted-12=http://h9:9",
    "etcd-3=http://h3:3",
  ]);
});

Deno.test("withMembership() turns a launch into an existing-cluster join", () => {
  const joined = withMembership(launchOn(2), [
    { id: "11", name: "etcd-1", peerUrls: ["http://h1:31100"], isLearner: false },
    { id: "12", name: "", peerUrls: ["http://h2:31200"], isLearner: true },
  ], true);
  assert.equal(joined.config.clusterState, "existing");
  assert.equal(joined.config.learner, true);
  assert.equal(joined.config.initialCluster, "etcd-1=http://h1:31100,etcd-2=http://h2:31200");
});
