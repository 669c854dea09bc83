/**
 * Building a member's launch (pure): the task id, labels, DiscoveryInfo and the member
 * config the executor reads, from an offer and the ports allocated in it.
 *
 * @module
 */
import type { DiscoveryInfo, Offer } from "../../lib/mesos/types.ts";
import {
  type ClusterState,
  formatInitialCluster,
  type InitialClusterEntry,
  peerUrl,
} from "../../contract/member_config.ts";
import type { MemberLaunch } from "./effects.ts";
import type { EtcdMemberView } from "./inputs.ts";
import type { Allocation } from "./placement.ts";
import { memberLabels } from "../../contract/labels.ts";
import { formatTaskId, TASK_NAME } from "../../contract/task_id.ts";

/** The DiscoveryInfo of a member task, as the original published it for Mesos-DNS. */
export function memberDiscovery(peerPort: number, clientPort: number): DiscoveryInfo {
  return {
    visibility: "EXTERNAL",
    name: TASK_NAME,
    ports: {
      ports: [
        { number: peerPort, name: "peer", protocol: "tcp" },
        { number: clientPort, name: "client", protocol: "client" },
      ],
    },
  };
}

/**
 * The `--initial-cluster` entries for a member joining an existing cluster: every configured
 * member (matched to its name by peer URL; unnamed ones get a placeholder name) with the new
 * member under its own name. etcd requires the set of peer URLs to equal the configured
 * membership exactly.
 */
export function joiningCluster(
  membership: readonly EtcdMemberView[],
  self: InitialClusterEntry,
): InitialClusterEntry[] {
  const out: InitialClusterEntry[] = [];
  const used = new Set<string>([self.name]);
  for (const m of membership) {
    const url = m.peerUrls[0];
    if (url === undefined || m.peerUrls.includes(self.peerUrl)) continue;
    let name = m.name !== "" && !used.has(m.name) ? m.name : `unstarted-${m.id}`;
    if (used.has(name)) name = `member-${m.id}`;
    used.add(name);
    out.push({ name, peerUrl: url });
  }
  out.push(self);
  return out;
}

/** What {@linkcode buildMemberLaunch} needs besides the offer. */
export interface MemberLaunchParams {
  name: string;
  allocation: Allocation;
  clusterState: ClusterState;
  clusterToken: string;
  learner: boolean;
  /** The configured membership to join (ignored for `new`). */
  membership?: readonly EtcdMemberView[];
  /** For `new`: every member of a static bootstrap, this one included (default: this alone). */
  peers?: readonly InitialClusterEntry[];
}

/** Builds the launch of member `params.name` on `offer`. */
export function buildMemberLaunch(offer: Offer, params: MemberLaunchParams): MemberLaunch {
  const { name, allocation, clusterState, clusterToken, learner } = params;
  const host = offer.hostname;
  const self = { name, peerUrl: peerUrl(host, allocation.peerPort) };
  const entries = clusterState === "new"
    ? params.peers ?? [self]
    : joiningCluster(params.membership ?? [], self);
  const parts = { name, host, peerPort: allocation.peerPort, clientPort: allocation.clientPort };
  return {
    taskId: formatTaskId(parts),
    name,
    agentId: offer.agent_id.value,
    hostname: host,
    peerPort: allocation.peerPort,
    clientPort: allocation.clientPort,
    taskResources: allocation.taskResources,
    executorResources: allocation.executorResources,
    config: {
      name,
      host,
      peerPort: allocation.peerPort,
      clientPort: allocation.clientPort,
      initialCluster: formatInitialCluster(entries),
      clusterState,
      clusterToken,
      learner,
    },
    labels: memberLabels(parts, clusterToken),
    discovery: memberDiscovery(allocation.peerPort, allocation.clientPort),
  };
}

/** The same launch, joining `membership` (used once the learner add has answered). */
export function withMembership(
  launch: MemberLaunch,
  membership: readonly EtcdMemberView[],
  learner: boolean,
): MemberLaunch {
  const self = { name: launch.name, peerUrl: peerUrl(launch.hostname, launch.peerPort) };
  return {
    ...launch,
    config: {
      ...launch.config,
      initialCluster: formatInitialCluster(joiningCluster(membership, self)),
      clusterState: "existing",
      learner,
    },
  };
}
