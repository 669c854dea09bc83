/**
 * The audit trail in ZooKeeper: one persistent znode `<chroot>/<framework-name>_events`
 * beside the framework id, holding `{"version":1,"events":[…]}` (500 events are well under
 * ZooKeeper's 1 MB node limit: reasons and fields are cut to size). Written whole and
 * version-checked, so a scheduler that lost the lead cannot overwrite its successor's trail.
 *
 * @module
 */
import type { Logger } from "../../lib/log.ts";
import { parseZkUrl } from "../../lib/zk/url.ts";
import { createZnodeBlob } from "../../lib/zk/znode_blob.ts";
import type { AuditEvent } from "./event.ts";
import type { EventStore } from "./event_log.ts";
import { frameworkNode } from "../../lib/zk/framework_node.ts";

/** The znode of `frameworkName`'s audit trail under `chroot`. */
export function eventsNode(chroot: string, frameworkName: string): string {
  return frameworkNode(chroot, frameworkName, "events");
}

/** The stored document's format version. */
const VERSION = 1;

const decoder = new TextDecoder();

function isEvent(v: unknown): v is AuditEvent {
  const e = v as Partial<AuditEvent> | null;
  return typeof e === "object" && e !== null && Number.isInteger(e.seq) &&
    typeof e.at === "number" && typeof e.kind === "string" && typeof e.reason === "string";
}

/**
 * The events of a stored document, oldest first; entries that are not events are skipped.
 *
 * @throws {TypeError} naming `where` and the start of the text when it is not such a document.
 */
export function decodeEvents(text: string, where: string): AuditEvent[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    doc = undefined;
  }
  const events = (doc as { events?: unknown } | undefined)?.events;
  if (!Array.isArray(events)) {
    throw new TypeError(
      `${where} holds ${JSON.stringify(text.slice(0, 80))}, not an audit trail document`,
    );
  }
  return events.filter(isEvent).map((e) => ({
    ...e,
    time: typeof e.time === "string" ? e.time : new Date(e.at).toISOString(),
    fields: typeof e.fields === "object" && e.fields !== null ? e.fields : {},
  }));
}

/** The stored document of `events`. */
export function encodeEvents(events: readonly AuditEvent[]): string {
  return JSON.stringify({ version: VERSION, events });
}

/** An {@linkcode EventStore} over one znode, with the blob to close when done. */
export interface ZkEventStore extends EventStore {
  close(): Promise<void>;
}

/** Options of {@linkcode createZkEventStore}. */
export interface ZkEventStoreOptions {
  /** `--zk-framework-persist`: `zk://host:port[,…]/chroot`. */
  zk: string;
  frameworkName: string;
  logger?: Logger;
}

/**
 * The audit trail's store at {@linkcode eventsNode} under the chroot of `options.zk`.
 *
 * @throws {TypeError | RangeError} naming a malformed `zk` URL or framework name.
 */
export function createZkEventStore(options: ZkEventStoreOptions): ZkEventStore {
  const url = parseZkUrl(options.zk);
  const node = eventsNode(url.chroot, options.frameworkName);
  const blob = createZnodeBlob({ zk: url, node, logger: options.logger });
  return {
    where: blob.node,
    async load() {
      const data = await blob.read();
      return data === undefined ? [] : decodeEvents(decoder.decode(data), blob.node);
    },
    save: (events) => blob.write(encodeEvents(events)),
    close: () => blob.close(),
  };
}
