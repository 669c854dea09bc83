/**
 * One typed record a framework keeps in ZooKeeper at `<chroot>/<framework-name>_<suffix>`
 * (see `framework_node.ts`): a codec turns it into the node's text and back, on a
 * {@linkcode ZnodeBlob} (one lazily opened session, operations in order, retried with
 * backoff while ZooKeeper is unreachable, a second writer noticed unless `overwrite`).
 * The framework id, the cluster size, the rolling restart and the volume records are thin
 * wrappers over it; each keeps its node's format.
 *
 * @example
 * ```ts
 * const store = createRecordStore({
 *   zk: "zk://127.0.0.1:2181/etcd-mesos",
 *   frameworkName: "etcd",
 *   suffix: "cluster_size",
 *   codec: { encode: String, decode: (text) => Number(text) },
 * });
 * await store.save(5);
 * await store.load(); // 5
 * await store.close();
 * ```
 *
 * @module
 */
import { frameworkNode } from "./framework_node.ts";
import { parseZkUrl, type ZkUrl } from "./url.ts";
import { createZnodeBlob, type ZnodeBlobOptions } from "./znode_blob.ts";

/** How a record is written to and read from its node's text. */
export interface RecordCodec<T> {
  /**
   * The node's text for `value`.
   *
   * @throws {TypeError} naming `value` when it may not be stored (nothing is written).
   */
  encode(value: T): string;
  /**
   * The record in `text`, read from `node`.
   *
   * @throws {Error} naming `node` and the bad value when `text` is not a record.
   */
  decode(text: string, node: string): T;
}

/** Options of {@linkcode createRecordStore}. */
export interface RecordStoreOptions<T> extends Omit<ZnodeBlobOptions, "node" | "zk"> {
  /** `zk://[user:pass@]host:port[,...]/chroot`; the chroot is created on the first write. */
  zk: string | ZkUrl;
  /** `--framework-name`: the node is `<chroot>/<frameworkName>_<suffix>`. */
  frameworkName: string;
  suffix: string;
  codec: RecordCodec<T>;
}

/** A typed record in its znode. */
export interface RecordStore<T> {
  /** The znode path. */
  readonly node: string;
  /** The stored record, or undefined when the node does not exist. */
  load(): Promise<T | undefined>;
  /** Writes `value` (creating the chroot and the node as needed). */
  save(value: T): Promise<void>;
  /** Deletes the node (absent is fine); true when there was one. */
  clear(): Promise<boolean>;
  /** Stops retrying and closes the session; pending operations reject. Idempotent. */
  close(): Promise<void>;
}

const decoder = new TextDecoder();

/**
 * Creates the store of `options.suffix` under the `zk://` chroot. Nothing connects until the
 * first operation.
 *
 * @throws {TypeError | RangeError} naming a malformed `zk` URL or framework name.
 */
export function createRecordStore<T>(options: RecordStoreOptions<T>): RecordStore<T> {
  const { frameworkName, suffix, codec, ...rest } = options;
  const zk = typeof options.zk === "string" ? parseZkUrl(options.zk) : options.zk;
  const blob = createZnodeBlob({
    ...rest,
    zk,
    node: frameworkNode(zk.chroot, frameworkName, suffix),
  });
  return {
    node: blob.node,
    async load() {
      const data = await blob.read();
      return data === undefined ? undefined : codec.decode(decoder.decode(data), blob.node);
    },
    save(value) {
      let text: string;
      try {
        text = codec.encode(value);
      } catch (error) {
        return Promise.reject(error);
      }
      return blob.write(text);
    },
    clear: () => blob.remove(),
    close: () => blob.close(),
  };
}
