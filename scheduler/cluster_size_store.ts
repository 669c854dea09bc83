/**
 * The cluster size an operator chose at run time (`POST /cluster-size`), kept in ZooKeeper at
 * `<chroot>/<framework-name>_cluster_size` so a restarted or standby scheduler keeps it;
 * `--cluster-size` only gives the initial size.
 *
 * @module
 */
import type { Logger } from "../lib/log.ts";
import { createZnodeBlob } from "../lib/zk/znode_blob.ts";
import { parseZkUrl } from "../lib/zk/url.ts";
import { clusterSizeProblem } from "./core/resize.ts";
import { frameworkNode } from "../lib/zk/framework_node.ts";

/** The znode of `frameworkName`'s cluster size under `chroot`. */
export function clusterSizeNode(chroot: string, frameworkName: string): string {
  return frameworkNode(chroot, frameworkName, "cluster_size");
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
  const url = parseZkUrl(options.zk);
  const blob = createZnodeBlob({
    zk: url,
    node: clusterSizeNode(url.chroot, options.frameworkName),
    logger: options.logger,
  });
  return {
    async load() {
      const data = await blob.read();
      return data === undefined
        ? undefined
        : decodeClusterSize(new TextDecoder().decode(data), blob.node);
    },
    save: (size) => blob.write(String(size)),
    close: () => blob.close(),
  };
}
