/**
 * The Mesos label keys the programs agree on: the labels every member task carries (read
 * by the proxy and Mesos-DNS users), and the labels an executor puts on a status update
 * that reports a maintenance order's outcome (read by the scheduler).
 *
 * @module
 */
import type { TaskIdParts } from "./task_id.ts";

/** Keys of the labels every member task carries (besides its id). */
export const MEMBER_LABEL = {
  member: "etcd_mesos_member",
  host: "etcd_mesos_host",
  peerPort: "etcd_mesos_peer_port",
  clientPort: "etcd_mesos_client_port",
  clusterToken: "etcd_mesos_cluster_token",
} as const;

/** The labels of a member task: name, host, ports and cluster token. */
export function memberLabels(
  parts: TaskIdParts,
  clusterToken: string,
): { key: string; value: string }[] {
  return [
    { key: MEMBER_LABEL.member, value: parts.name },
    { key: MEMBER_LABEL.host, value: parts.host },
    { key: MEMBER_LABEL.peerPort, value: String(parts.peerPort) },
    { key: MEMBER_LABEL.clientPort, value: String(parts.clientPort) },
    { key: MEMBER_LABEL.clusterToken, value: clusterToken },
  ];
}

/**
 * Keys of the labels on a TASK_RUNNING update that reports an order's outcome (the outcome
 * itself is in the update's `data`). `op` marks the update as an outcome.
 */
export const OUTCOME_LABEL = {
  op: "etcd-mesos.op",
  outcome: "etcd-mesos.outcome",
  etcd: "etcd-mesos.etcd",
  orderId: "etcd-mesos.order-id",
} as const;
