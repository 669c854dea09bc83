/**
 * A hash of one member's keyspace at a revision, over the JSON gateway. etcd 3.4's
 * gateway routes `/v3/maintenance/hash` to Hash (the whole backend, meta bucket included,
 * which differs between healthy members), not HashKV, so we hash what HashKV vouches for
 * ourselves: every key with its create and mod revision, version and value, read from
 * that member alone (serializable) at one revision, page by page so memory holds a page.
 * Members that agree on the data at a revision agree on the hash.
 *
 * @module
 */
import type { EtcdHashKV } from "./admin.ts";
import type { EtcdGateway, GatewayCallOptions } from "./gateway.ts";
import { fromBase64, type GatewayHeader, type GatewayKeyValue, toBase64 } from "./gateway_json.ts";

/** Keys per kv/range page. */
const PAGE = 1000;
const ZERO = toBase64(new Uint8Array([0]));

interface RangeAnswer {
  header?: GatewayHeader;
  kvs?: GatewayKeyValue[];
  more?: boolean;
}

/**
 * Hashes the keyspace of the member behind `gateway` at `revision` (default: its latest).
 * `compactRevision` is `"0"`: the gateway does not tell it.
 *
 * @throws {import("./gateway.ts").EtcdGatewayError} as the range calls fail (e.g. a
 * compacted revision).
 */
export async function hashKeyspace(
  gateway: EtcdGateway,
  revision: string | undefined,
  options: GatewayCallOptions,
): Promise<Omit<EtcdHashKV, "endpoint">> {
  let digest = new Uint8Array(32);
  let key = ZERO;
  let pinned = revision;
  let memberId = "0";
  for (;;) {
    const r = await gateway.post<RangeAnswer>("kv/range", {
      key,
      range_end: ZERO,
      revision: pinned ?? "0",
      serializable: true,
      limit: PAGE,
    }, options);
    // Later pages read at the first page's revision: one consistent view.
    pinned ??= r.header?.revision ?? "0";
    memberId = r.header?.member_id ?? memberId;
    const kvs = r.kvs ?? [];
    const page = kvs.map((kv) =>
      [kv.key, kv.create_revision, kv.mod_revision, kv.version, kv.value].map((f) => f ?? "")
        .join(" ")
    ).join("\n");
    const chained = new Uint8Array([...digest, ...new TextEncoder().encode(page)]);
    digest = new Uint8Array(await crypto.subtle.digest("SHA-256", chained));
    const last = kvs.at(-1)?.key;
    if (!r.more || last === undefined) break;
    key = toBase64(new Uint8Array([...fromBase64(last), 0]));
  }
  const hash = new DataView(digest.buffer).getBigUint64(0).toString();
  return { memberId, hash, revision: pinned ?? "0", compactRevision: "0" };
}
