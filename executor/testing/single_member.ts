/**
 * A one-member etcd task for tests of the real executor process (test-only): free loopback
 * ports, its member config, and the TaskInfo an agent would deliver.
 *
 * @module
 */
import type { TaskInfo } from "../../lib/mesos/types.ts";
import { encodeMemberConfig, type MemberConfig } from "../../contract/member_config.ts";
import { freePort } from "../../lib/free_ports.ts";

/** The config of member `etcd-1` starting a new cluster on `ports` (default two free ones). */
export function memberConfig(
  clusterToken: string,
  ports?: { peerPort: number; clientPort: number },
): MemberConfig {
  const peerPort = ports?.peerPort ?? freePort();
  let clientPort = ports?.clientPort ?? freePort();
  while (ports === undefined && clientPort === peerPort) clientPort = freePort();
  return {
    name: "etcd-1",
    host: "127.0.0.1",
    peerPort,
    clientPort,
    initialCluster: `etcd-1=http://127.0.0.1:${peerPort}`,
    clusterState: "new",
    clusterToken,
    learner: false,
  };
}

/** The TaskInfo of member `etcd-1` carrying `data` (an encoded config, or garbage). */
export function memberTask(data: Uint8Array | MemberConfig): TaskInfo {
  return {
    name: "etcd-server",
    task_id: { value: "etcd-1 127.0.0.1 task" },
    agent_id: { value: "fw-S0" },
    data: data instanceof Uint8Array ? data : encodeMemberConfig(data),
    kill_policy: { grace_period: { nanoseconds: 5e9 } },
  };
}
