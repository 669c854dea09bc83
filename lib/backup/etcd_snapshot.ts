/**
 * Reading etcd's Maintenance.Snapshot stream chunk by chunk over etcd's JSON gateway
 * (`POST /v3/maintenance/snapshot` with fetch; no gRPC, whose node:http2 aborts Deno when a
 * member stops, denoland/deno#36788). The gateway streams one JSON object a line,
 * `{"result":{"remainingBytes","blob":"<base64>"}}` (or `{"error":{…}}`); the body is read
 * only as the consumer takes chunks, so memory holds a few of them (etcd sends 32 KiB
 * each), whatever the db size.
 *
 * @module
 */
import { fromBase64 } from "../etcd/gateway_json.ts";
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
  const tls = options.tls;
  const http = tls
    ? Deno.createHttpClient({ caCerts: [tls.caPem], cert: tls.certPem, key: tls.keyPem })
    : undefined;
  const timeoutMs = options.timeoutMs ?? 3_600_000;
  const signals = [AbortSignal.timeout(timeoutMs)];
  if (options.signal) signals.push(options.signal);
  const signal = AbortSignal.any(signals);
  let reader: ReadableStreamDefaultReader<string> | undefined;
  try {
    const res = await fetch(`${tls ? "https" : "http"}://${host}/v3/maintenance/snapshot`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
      signal,
      ...(http ? { client: http } : {}),
    });
    if (!res.ok || res.body === null) {
      throw new Error(`HTTP ${res.status}: ${(await res.text()).trim().slice(0, 200)}`);
    }
    reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let pending = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      pending += value;
      let newline: number;
      while ((newline = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        const blob = blobOf(line);
        if (blob !== undefined && blob.length > 0) yield blob;
        signal.throwIfAborted(); // the consumer may abort while holding a chunk
      }
    }
    const blob = blobOf(pending);
    if (blob !== undefined && blob.length > 0) yield blob;
  } catch (e) {
    const cause = signal.aborted && !(e instanceof SnapshotTransferError)
      ? (options.signal?.aborted ? options.signal.reason : new Error(`not done in ${timeoutMs} ms`))
      : e;
    throw cause instanceof SnapshotTransferError
      ? cause
      : new SnapshotTransferError(endpoint, cause);
  } finally {
    await reader?.cancel().catch(() => {});
    http?.close();
  }
}

/** The bytes of one streamed line; `undefined` for a blank line. */
function blobOf(line: string): Uint8Array | undefined {
  if (line.trim() === "") return undefined;
  const message = JSON.parse(line) as {
    result?: { blob?: string };
    error?: { message?: string; grpc_code?: number };
  };
  if (message.error) {
    throw new Error(`etcd: ${message.error.message ?? JSON.stringify(message.error)}`);
  }
  return message.result?.blob === undefined ? undefined : fromBase64(message.result.blob);
}
