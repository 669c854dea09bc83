/**
 * Members' persistent volume records, kept in ZooKeeper at
 * `<chroot>/<framework-name>_volumes` (one JSON object, member name → record) so a restarted
 * or standby scheduler knows which agent holds which member's volume and relaunches it there.
 * The core writes a record before the ACCEPT that reserves and creates the volume.
 *
 * @module
 */
import type { Logger } from "../lib/log.ts";
import { createRecordStore } from "../lib/zk/record_store.ts";
import { frameworkNode } from "../lib/zk/framework_node.ts";
import type { VolumeRecord } from "./core/volumes.ts";

const VOLUMES_SUFFIX = "volumes";

/** The znode of `frameworkName`'s volume records under `chroot`. */
export function volumesNode(chroot: string, frameworkName: string): string {
  return frameworkNode(chroot, frameworkName, VOLUMES_SUFFIX);
}

function isRecord(x: unknown): x is VolumeRecord {
  const r = x as Partial<VolumeRecord> | null;
  return typeof r === "object" && r !== null && typeof r.member === "string" &&
    typeof r.agentId === "string" && typeof r.hostname === "string" &&
    typeof r.persistenceId === "string" && Number.isInteger(r.peerPort) &&
    Number.isInteger(r.clientPort) && Array.isArray(r.labels) &&
    Number.isInteger(r.incarnation) &&
    (r.relaunchBy === undefined || Number.isFinite(r.relaunchBy)) &&
    (r.raftIndex === undefined || typeof r.raftIndex === "string");
}

/** Reads stored records; throws naming the node and the garbage when they are not records. */
export function decodeVolumeRecords(text: string, node: string): VolumeRecord[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const list = typeof parsed === "object" && parsed !== null ? Object.values(parsed) : undefined;
  if (list === undefined || !list.every(isRecord)) {
    throw new TypeError(
      `Cannot use volume records ${JSON.stringify(text.slice(0, 200))} stored in ${node}`,
    );
  }
  return list;
}

/** Where the volume records are kept. */
export interface VolumeStore {
  /** Every stored record (none when the node does not exist). */
  load(): Promise<VolumeRecord[]>;
  /** Writes (adds or replaces) the record of `record.member`. */
  save(record: VolumeRecord): Promise<void>;
  /** Deletes the record of `member`. */
  forget(member: string): Promise<void>;
  close(): Promise<void>;
}

/** The store under the chroot of `zk`. Calls must not overlap (the effect runner queues them). */
export function createVolumeStore(
  options: { zk: string; frameworkName: string; logger?: Logger },
): VolumeStore {
  // One JSON object, member name → record, written whole.
  const store = createRecordStore<Record<string, VolumeRecord>>({
    ...options,
    suffix: VOLUMES_SUFFIX,
    codec: {
      encode: (all) => JSON.stringify(all),
      decode: (text, node) =>
        Object.fromEntries(decodeVolumeRecords(text, node).map((r) => [r.member, r])),
    },
  });
  let records: Record<string, VolumeRecord> | undefined;
  const current = async () => records ??= (await store.load()) ?? {};
  const write = async (change: (all: Record<string, VolumeRecord>) => void) => {
    const next = { ...(await current()) };
    change(next);
    await store.save(next);
    records = next;
  };
  return {
    load: async () => Object.values(await current()),
    save: (record) => write((all) => void (all[record.member] = structuredClone(record))),
    forget: (member) => write((all) => void delete all[member]),
    close: () => store.close(),
  };
}
