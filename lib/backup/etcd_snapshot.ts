/**
 * Reading etcd's Maintenance.Snapshot stream (gRPC, over `npm:etcd3`) chunk by chunk. The
 * gRPC stream is consumed as an async iterator, so a slow consumer pauses it (HTTP/2 flow
 * control): memory holds a few chunks (etcd sends 32 KiB each), whatever the db size.
 *
 * @module
 */
import { Etcd3, type IOptions, type ISnapshotResponse } from "etcd3";
import { etcd3Options } from "../etcd/endpoints.ts";
import type { TlsMaterial } from "../tls/files.ts";

/** Options of {@linkcode readSnapshot}. */
export interface ReadSnapshotOptions {
  /** The whole transfer must end before this many ms; default 1 hour. */
  timeoutMs?: number;
  /** Aborting it ends the transfer with an error. */
  signal?: AbortSignal;
  /** The client's TLS identity when etcd runs with `--tls`. */
  tls?: TlsMaterial;
}

/** A failed snapshot transfer, naming the member. */
export class SnapshotTransferError extends Error {
  /** The member asked. */
  readonly endpoint: string;
  /** Creates the error naming the endpoint and the cause. */
  constructor(endpoint: string, cause: unknown) {
    super(`Cannot read a snapshot from etcd at ${endpoint}: ${(cause as Error)?.message ?? cause}`);
    this.name = "SnapshotTransferError";
    this.endpoint = endpoint;
  }
}

/**
 * The snapshot of the member at `endpoint` (`http://host:port`), as its chunks (db bytes
 * followed by the 32-byte SHA-256 trailer; see snapshot_digest.ts).
 *
 * @throws {SnapshotTransferError} naming the endpoint when the stream fails.
 */
export async function* readSnapshot(
  endpoint: string,
  options: ReadSnapshotOptions = {},
): AsyncGenerator<Uint8Array> {
  const host = endpoint.replace(/^[a-z]+:\/\//i, "").replace(/\/+$/, "");
  const client = new Etcd3({
    hosts: [host],
    faultHandling: { global: ONCE },
    ...etcd3Options(host, options.tls),
  });
  const deadline = new Date(Date.now() + (options.timeoutMs ?? 3_600_000));
  let stream: AsyncIterable<ISnapshotResponse> & { cancel?: () => void } | undefined;
  const abort = () => stream?.cancel?.();
  options.signal?.addEventListener("abort", abort, { once: true });
  try {
    stream = await client.maintenance.snapshot({ deadline }) as unknown as typeof stream;
    for await (const message of stream!) {
      if (options.signal?.aborted) throw options.signal.reason ?? new Error("aborted");
      const blob = message.blob;
      if (blob !== undefined && blob.length > 0) {
        yield new Uint8Array(blob.buffer, blob.byteOffset, blob.byteLength);
      }
    }
  } catch (e) {
    throw e instanceof SnapshotTransferError ? e : new SnapshotTransferError(endpoint, e);
  } finally {
    options.signal?.removeEventListener("abort", abort);
    stream?.cancel?.();
    client.close();
  }
}

type Policy = NonNullable<NonNullable<IOptions["faultHandling"]>["global"]>;

/** Runs a call once: a snapshot is never silently re-read from another member. */
const ONCE = {
  execute: (fn: (ctx: { signal: AbortSignal; attempt: number }) => unknown) =>
    fn({ signal: new AbortController().signal, attempt: 0 }),
} as unknown as Policy;
