/**
 * The cluster size an operator chose at run time (`POST /cluster-size`), kept in ZooKeeper at
 * `<chroot>/<framework-name>_cluster_size` so a restarted or standby scheduler keeps it;
 * `--cluster-size` only gives the initial size.
 *
 * @module
 */
import type { Logger } from "../lib/log.ts";
import { createRecordStore } from "../lib/zk/record_store.ts";
import { clusterSizeProblem } from "./core/resize.ts";
import { frameworkNode } from "../lib/zk/framework_node.ts";

const CLUSTER_SIZE_SUFFIX = "cluster_size";

/** The znode of `frameworkName`'s cluster size under `chroot`. */
export function clusterSizeNode(chroot: string, frameworkName: string): string {
  return frameworkNode(chroot, frameworkName, CLUSTER_SIZE_SUFFIX);
}

/** Reads a stored size; throws naming the node and the garbage when it is not a size. */
export function decodeClusterSize(text: string, node: string): number {
  const size = Number(text.trim());
  const problem = clusterSizeProblem(size);
  if (text.trim() === "" || problem !== undefined) {
    throw new TypeError(`Cannot use cluster size ${JSON.stringify(text)} stored in ${node}`);
  }
  return size;
}

/** Where the chosen cluster size is kept. */
export interface ClusterSizeStore {
  /** The stored size, or undefined when none was ever chosen. */
  load(): Promise<number | undefined>;
  save(size: number): Promise<void>;
  close(): Promise<void>;
}

/** The store under the chroot of `zk`. */
export function createClusterSizeStore(
  options: { zk: string; frameworkName: string; logger?: Logger },
): ClusterSizeStore {
  return createRecordStore<number>({
    ...options,
    suffix: CLUSTER_SIZE_SUFFIX,
    codec: { encode: String, decode: decodeClusterSize },
  });
}
