/**
 * One etcd member's JSON gateway: etcd serves its v3 API as JSON over HTTP/1.1 on the
 * client port (`POST /v3/<service>/<call>`), which we reach with Deno's fetch. We do not
 * use gRPC: Deno's node:http2 aborts the whole process when a server sends GOAWAY, which
 * every etcd member does when it stops gracefully (denoland/deno#36788).
 *
 * proto3 JSON: uint64 fields come as decimal strings (kept as strings), bytes as base64,
 * and fields at their zero value are left out. etcd answers a failed call with an HTTP
 * status and `{"error", "code" (the gRPC code), "message"}`.
 *
 * @module
 */
import type { TlsMaterial } from "../tls/files.ts";

/** How a gateway call failed before etcd answered. */
export type GatewayTransportFailure = "unavailable" | "timeout" | "closed";

/**
 * A failed gateway call: either etcd's answer (`grpcCode`, `httpStatus`, its message) or a
 * transport failure (`transport`). Classified by admin_errors.ts.
 */
export class EtcdGatewayError extends Error {
  /** The gRPC status code etcd answered with, when it answered with one. */
  readonly grpcCode: number | undefined;
  /** The HTTP status of the answer; `undefined` when there was no answer. */
  readonly httpStatus: number | undefined;
  /** Set when no answer came: refused or reset connection, deadline, closed client. */
  readonly transport: GatewayTransportFailure | undefined;

  /** Creates the error; `detail` holds what etcd or the transport said. */
  constructor(
    detail: string,
    fields: { grpcCode?: number; httpStatus?: number; transport?: GatewayTransportFailure },
    cause?: unknown,
  ) {
    super(detail, { cause });
    this.name = "EtcdGatewayError";
    this.grpcCode = fields.grpcCode;
    this.httpStatus = fields.httpStatus;
    this.transport = fields.transport;
  }
}

/** Options of one call: its deadline in ms since the epoch. */
export interface GatewayCallOptions {
  deadline: number;
}

/** The JSON gateway of the member at one `host:port`; HTTPS with a client identity. */
export class EtcdGateway {
  readonly #base: string;
  readonly #http: Deno.HttpClient | undefined;
  readonly #closing = new AbortController();

  /**
   * Prepares calls to `endpoint` (`host:port`); with `tls`, over HTTPS presenting its
   * certificate and trusting its CA. No connection is opened until a call.
   */
  constructor(endpoint: string, tls?: TlsMaterial) {
    this.#base = `${tls ? "https" : "http"}://${endpoint}/v3/`;
    this.#http = tls
      ? Deno.createHttpClient({ caCerts: [tls.caPem], cert: tls.certPem, key: tls.keyPem })
      : undefined;
  }

  /**
   * POSTs `body` as JSON to `/v3/<path>` and returns etcd's JSON answer.
   *
   * @throws {EtcdGatewayError} with etcd's gRPC code and message, or a transport failure.
   */
  async post<T>(path: string, body: unknown, options: GatewayCallOptions): Promise<T> {
    if (this.#closing.signal.aborted) {
      throw new EtcdGatewayError("client closed", { transport: "closed" });
    }
    const ms = Math.max(1, Math.ceil(options.deadline - Date.now()));
    const signal = AbortSignal.any([AbortSignal.timeout(ms), this.#closing.signal]);
    let status: number | undefined;
    let text: string;
    try {
      const res = await fetch(this.#base + path, {
        method: "POST",
        // etcd's gateway turns Grpc-Timeout into the call's deadline on the server side too.
        headers: { "content-type": "application/json", "grpc-timeout": `${ms}m` },
        body: JSON.stringify(body),
        signal,
        ...(this.#http ? { client: this.#http } : {}),
      });
      status = res.status;
      text = await res.text();
    } catch (err) {
      throw transportError(err, this.#closing.signal.aborted, ms);
    }
    if (status >= 200 && status < 300) return parse<T>(text, status);
    throw answerError(text, status);
  }

  /** Closes the connections; calls in flight and later fail with transport `closed`. */
  close(): void {
    this.#closing.abort();
    try {
      this.#http?.close();
    } catch {
      // already closed
    }
  }
}

function parse<T>(text: string, status: number): T {
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new EtcdGatewayError(`unreadable answer (HTTP ${status}): ${text.slice(0, 200)}`, {
      httpStatus: status,
    }, err);
  }
}

/** etcd's error answer: `{"error","code","message"}` or, on an unknown path, plain text. */
function answerError(text: string, status: number): EtcdGatewayError {
  let answer: { message?: unknown; error?: unknown; code?: unknown } | undefined;
  try {
    answer = JSON.parse(text);
  } catch {
    answer = undefined;
  }
  if (answer && typeof answer === "object" && typeof answer.code === "number") {
    const message = String(answer.message ?? answer.error ?? "");
    return new EtcdGatewayError(message || `gRPC code ${answer.code}`, {
      grpcCode: answer.code,
      httpStatus: status,
    });
  }
  const detail = `HTTP ${status}: ${text.trim().slice(0, 200)}`;
  // A path the server does not know is a call it does not implement (an older etcd).
  if (status === 404) return new EtcdGatewayError(detail, { grpcCode: 12, httpStatus: status });
  if (status === 503) {
    return new EtcdGatewayError(detail, { httpStatus: status, transport: "unavailable" });
  }
  return new EtcdGatewayError(detail, { httpStatus: status });
}

function transportError(err: unknown, closed: boolean, ms: number): EtcdGatewayError {
  const detail = err instanceof Error ? err.message : String(err);
  if (closed) return new EtcdGatewayError("client closed", { transport: "closed" }, err);
  if (err instanceof DOMException && err.name === "TimeoutError") {
    return new EtcdGatewayError(`no answer within ${ms} ms`, { transport: "timeout" }, err);
  }
  // Refused, reset, closed before the answer, TLS refused: no usable connection.
  return new EtcdGatewayError(detail, { transport: "unavailable" }, err);
}
