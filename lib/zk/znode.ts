/**
 * Znodes as the client shows them: create modes, stats, one-shot watch events, and their
 * conversion from the library's forms.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { RawEvent, RawStat } from "./raw_client.ts";

/** How a znode is created. Sequential modes append a 10-digit counter to the name. */
export type ZkCreateMode =
  | "persistent"
  | "ephemeral"
  | "persistent_sequential"
  | "ephemeral_sequential";

/** What a one-shot watch saw. */
export interface ZkWatchEvent {
  type: "created" | "deleted" | "data_changed" | "children_changed";
  path: string;
}

/** A one-shot watch callback, called at most once per registration. */
export type ZkWatcher = (event: ZkWatchEvent) => void;

/** A znode's metadata. Session ids are hex strings like `0x1000060c0430001`. */
export interface ZkStat {
  czxid: bigint;
  mzxid: bigint;
  pzxid: bigint;
  /** Creation time, ms since the epoch. */
  ctime: number;
  /** Last modification time, ms since the epoch. */
  mtime: number;
  version: number;
  cversion: number;
  aversion: number;
  /** The owning session for ephemeral nodes, `"0x0"` otherwise. */
  ephemeralOwner: string;
  dataLength: number;
  numChildren: number;
}

/** The wire number of each create mode. */
export const CREATE_MODES: Readonly<Record<ZkCreateMode, number>> = {
  persistent: 0,
  ephemeral: 1,
  persistent_sequential: 2,
  ephemeral_sequential: 3,
};

const EVENT_TYPES: Record<number, ZkWatchEvent["type"]> = {
  1: "created",
  2: "deleted",
  3: "data_changed",
  4: "children_changed",
};

/** An 8-byte big-endian id as hex, e.g. `0x1000060c0430001`. */
export function hex(buf: Buffer): string {
  return "0x" + buf.readBigUInt64BE(0).toString(16);
}

/** The library's stat as a {@linkcode ZkStat}. */
export function toStat(raw: RawStat): ZkStat {
  return {
    czxid: raw.czxid.readBigInt64BE(0),
    mzxid: raw.mzxid.readBigInt64BE(0),
    pzxid: raw.pzxid.readBigInt64BE(0),
    ctime: Number(raw.ctime.readBigInt64BE(0)),
    mtime: Number(raw.mtime.readBigInt64BE(0)),
    version: raw.version,
    cversion: raw.cversion,
    aversion: raw.aversion,
    ephemeralOwner: hex(raw.ephemeralOwner),
    dataLength: raw.dataLength,
    numChildren: raw.numChildren,
  };
}

/** Znode data as the library takes it: UTF-8 for strings, empty when absent. */
export function toBuffer(data: Uint8Array | string | undefined): Buffer {
  if (data === undefined) return Buffer.alloc(0);
  return typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data);
}

/** The library's watch event as a {@linkcode ZkWatchEvent}; `undefined` for other kinds. */
export function toWatchEvent(event: RawEvent): ZkWatchEvent | undefined {
  const type = EVENT_TYPES[event.getType()];
  return type ? { type, path: event.getPath() } : undefined;
}
