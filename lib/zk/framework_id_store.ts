/**
 * Where the scheduler keeps its Mesos framework id across restarts: the persistent znode
 * `<chroot>/<framework-name>_framework_id` holding the raw id bytes, as the original
 * etcd-mesos did.
 *
 * A thin wrapper over {@linkcode createRecordStore}: every operation runs in order on one
 * lazily opened ZooKeeper session. While ZooKeeper is unreachable an operation is retried with
 * backoff (the returned promise settles once it succeeds), so a caller that does not await it
 * (`save` from the scheduler loop) is never blocked. The last save wins (a new leader writes
 * its id whatever the node held). A node holding something that is not a plausible framework
 * id is reported with an error naming the node and the value, and left untouched.
 *
 * @example
 * ```ts
 * const store = createFrameworkIdStore({ zk: "zk://127.0.0.1:2181/etcd-mesos", frameworkName: "etcd" });
 * const id = await store.load(); // undefined on first start
 * store.save("3b2c...-0000").catch(...);
 * await store.close();
 * ```
 *
 * @module
 */
import type { Clock } from "../clock.ts";
import { type Logger, silentLogger } from "../log.ts";
import type { ZkClient } from "./client.ts";
import type { ZkConnectOptions } from "./session.ts";
import type { ZkUrl } from "./url.ts";
import { frameworkNode } from "./framework_node.ts";
import { createRecordStore } from "./record_store.ts";
import { ZnodeBlobClosedError } from "./znode_blob.ts";

/** The stored value is not a plausible framework id; nothing was changed. */
export class FrameworkIdError extends Error {
  /** The znode read. */
  readonly node: string;
  /** What it held (decoded as UTF-8, invalid bytes replaced). */
  readonly value: string;

  constructor(node: string, value: string) {
    super(
      `ZooKeeper node ${node} holds ${
        JSON.stringify(value.length > 200 ? value.slice(0, 197) + "..." : value)
      }, which is not a Mesos framework id; fix or delete the node`,
    );
    this.name = "FrameworkIdError";
    this.node = node;
    this.value = value;
  }
}

/** The store was closed; pending and later operations fail with this. */
export const FrameworkIdStoreClosedError = ZnodeBlobClosedError;
/** The store was closed; pending and later operations fail with this. */
export type FrameworkIdStoreClosedError = ZnodeBlobClosedError;

/** Options of {@linkcode createFrameworkIdStore}. */
export interface FrameworkIdStoreOptions {
  /** `zk://[user:pass@]host:port[,...]/chroot` (`--zk-framework-persist`). */
  zk: string | ZkUrl;
  /** `--framework-name`: the node is `<chroot>/<name>_framework_id`. */
  frameworkName: string;
  logger?: Logger;
  clock?: Clock;
  /** ZooKeeper session timeout; also how long one connection attempt may take. Default 10000. */
  sessionTimeoutMs?: number;
  /** Retry delays while ZooKeeper is unreachable (default 500 ms doubling up to 10 s). */
  backoff?: { minMs?: number; maxMs?: number };
  /** Opens sessions; default {@linkcode ZkClient.connect}. */
  connect?: (servers: string, options: ZkConnectOptions) => Promise<ZkClient>;
}

/** The framework id in ZooKeeper. */
export interface FrameworkIdStore {
  /** The znode path, e.g. `/etcd-mesos/etcd_framework_id`. */
  readonly node: string;
  /**
   * The stored id, or `undefined` when the node does not exist.
   *
   * @throws {FrameworkIdError} when the node holds something else than a framework id.
   */
  load(): Promise<string | undefined>;
  /**
   * Stores `id` (creating the chroot and the node as needed).
   *
   * @throws {TypeError} naming `id` when it is not a plausible framework id.
   */
  save(id: string): Promise<void>;
  /** Deletes the node (absent is fine). */
  clear(): Promise<void>;
  /** Stops retrying and closes the session; pending operations reject. Idempotent. */
  close(): Promise<void>;
}

/** The znode of `frameworkName`'s id under `chroot`. */
export function frameworkIdNode(chroot: string, frameworkName: string): string {
  return frameworkNode(chroot, frameworkName, FRAMEWORK_ID_SUFFIX);
}

const FRAMEWORK_ID_SUFFIX = "framework_id";

/**
 * True for what a Mesos master mints as a framework id: `<master id>-<4+ digits>`, at most
 * 255 printable characters without `/` or `\`.
 */
export function isPlausibleFrameworkId(value: string): boolean {
  return value.length <= 255 && /^[A-Za-z0-9][A-Za-z0-9._:-]*-[0-9]{4,}$/.test(value);
}

/**
 * Creates a store for `options.frameworkName`'s id under the `zk://` chroot. Nothing connects
 * until the first operation.
 *
 * @throws {TypeError | RangeError} naming a malformed `zk` URL or framework name.
 */
export function createFrameworkIdStore(options: FrameworkIdStoreOptions): FrameworkIdStore {
  const { frameworkName, logger, ...rest } = options;
  const store = createRecordStore<string>({
    ...rest,
    frameworkName,
    suffix: FRAMEWORK_ID_SUFFIX,
    logger,
    overwrite: true,
    codec: {
      encode(id) {
        if (typeof id !== "string" || !isPlausibleFrameworkId(id)) {
          throw new TypeError(
            `Cannot save framework id ${JSON.stringify(id)}: not a Mesos framework id`,
          );
        }
        return id;
      },
      decode(value, node) {
        if (!isPlausibleFrameworkId(value)) throw new FrameworkIdError(node, value);
        return value;
      },
    },
  });
  const log = (logger ?? silentLogger).child({ component: "framework-id-store", node: store.node });
  return {
    node: store.node,
    load: () => store.load(),
    async save(id) {
      await store.save(id);
      log.info("framework id saved", { frameworkId: id });
    },
    async clear() {
      if (await store.clear()) log.warn("framework id cleared");
    },
    close: () => store.close(),
  };
}
