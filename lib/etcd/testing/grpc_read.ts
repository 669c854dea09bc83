/**
 * Test helper: one quorum read over gRPC (`npm:etcd3`), for what serves only gRPC clients
 * (etcd's grpc-proxy under TLS). The scheduler itself speaks etcd's JSON gateway.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { Etcd3, type IOptions } from "etcd3";
import { normalizeEndpoint } from "../endpoints.ts";
import { etcd3Options } from "./etcd3_options.ts";
import type { TlsMaterial } from "../../tls/files.ts";

type Policy = NonNullable<NonNullable<IOptions["faultHandling"]>["global"]>;

/** Runs each call once: the test decides about retries. */
const ONCE = {
  execute: (fn: (ctx: { signal: AbortSignal; attempt: number }) => unknown) =>
    fn({ signal: new AbortController().signal, attempt: 0 }),
} as unknown as Policy;

/**
 * Reads one key linearizably at `endpoint` (`http(s)://host:port`) over gRPC, presenting
 * `tls` when given, and returns the KV revision (decimal).
 *
 * @throws {Error} what etcd3 threw, when no answer came within `timeoutMs` (default 3000).
 */
export async function grpcQuorumRead(
  endpoint: string,
  options: { tls?: TlsMaterial; timeoutMs?: number } = {},
): Promise<string> {
  const host = normalizeEndpoint(endpoint);
  const timeoutMs = options.timeoutMs ?? 3000;
  const client = new Etcd3({
    hosts: [host],
    dialTimeout: timeoutMs,
    faultHandling: { global: ONCE, host: () => ONCE },
    ...etcd3Options(host, options.tls),
  });
  try {
    const r = await client.kv.range({ key: Buffer.from("etcd-mesos/grpc-read"), limit: 1 }, {
      deadline: Date.now() + timeoutMs,
    });
    return String(r.header.revision);
  } finally {
    client.close();
  }
}
