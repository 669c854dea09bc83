/**
 * How an etcd admin call reaches etcd: one transport per endpoint (opened lazily, running
 * each call once; the product's is the JSON gateway of gateway.ts), a deadline on every
 * call enforced on both sides, and cluster calls that try the endpoints one by one,
 * starting with the last one that answered.
 * A cluster call moves on only when an endpoint cannot serve it (connection failure, a
 * learner, or — for read-only calls — a timeout or no leader), so a membership change is
 * never sent twice after an ambiguous timeout.
 *
 * @module
 */
import type { TlsMaterial } from "../tls/files.ts";
import type { Logger } from "../log.ts";
import { EtcdAdminError, type EtcdAdminErrorKind, toAdminError } from "./admin_errors.ts";

/** One call over a transport `C` with its deadline (ms since the epoch). */
export type EtcdCall<C, T> = (client: C, options: { deadline: number }) => Promise<T>;

/** What {@linkcode EtcdEndpoints} needs of a transport: that it can be closed. */
export interface EtcdTransport {
  /** Releases its connections; calls in flight fail. */
  close(): void;
}

/** How {@linkcode EtcdEndpoints.call} runs a call. */
export interface EtcdCallOptions {
  /** The call's name in errors and logs, e.g. `memberAdd`. */
  op: string;
  /** Deadline of each attempt in ms; default the pool's `timeoutMs`. */
  timeoutMs?: number;
}

/** How {@linkcode EtcdEndpoints.callCluster} runs a call. */
export interface ClusterCallSpec extends EtcdCallOptions {
  /** A read-only call also moves on after a timeout or without a leader. */
  readOnly: boolean;
  /** Endpoints to try instead of the configured ones. */
  endpoints?: readonly string[];
}

/** Settings of {@linkcode EtcdEndpoints}. */
export interface EtcdEndpointsOptions<C extends EtcdTransport = EtcdTransport> {
  /** Client URLs (`http://h:p`) or `host:port`s of members for cluster calls. */
  endpoints: readonly string[];
  /** Deadline of each attempt in ms (validated with {@linkcode positiveTimeout}). */
  timeoutMs: number;
  logger: Logger;
  /**
   * The client's TLS identity (CA, certificate, key), read before each new connection; a
   * different object (a renewed certificate) replaces every open client. Absent: plain
   * connections.
   */
  tls?: () => TlsMaterial;
  /**
   * Opens the transport to `endpoint` (`host:port`), with the TLS identity when there is
   * one; it runs each call once (we do our own endpoint iteration).
   */
  connect: (endpoint: string, tls: TlsMaterial | undefined) => C;
}

/** Kinds after which another endpoint may serve the call. */
const RETRY_ELSEWHERE: ReadonlySet<EtcdAdminErrorKind> = new Set(["unavailable", "learner-rpc"]);

/**
 * `http://h:p/` or `h:p` → `h:p`.
 *
 * @throws {TypeError} naming an endpoint that is not `host:port`.
 */
export function normalizeEndpoint(endpoint: string): string {
  const trimmed = endpoint.trim().replace(/^[a-z]+:\/\//i, "").replace(/\/+$/, "");
  if (trimmed === "" || !/:\d+$/.test(trimmed)) {
    throw new TypeError(
      `Cannot use etcd endpoint ${JSON.stringify(endpoint)}: expected http://host:port`,
    );
  }
  return trimmed;
}

/**
 * Returns `value` when it is a positive number of ms.
 *
 * @throws {RangeError} naming the option `name` and the value.
 */
export function positiveTimeout(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`Cannot use etcd admin ${name} ${value}: expected a positive number`);
  }
  return value;
}

/** The endpoints of an etcd cluster and one transport per endpoint asked. */
export class EtcdEndpoints<C extends EtcdTransport> {
  #endpoints: string[];
  #clients = new Map<string, C>();
  #timeoutMs: number;
  #log: Logger;
  #closed = false;
  #preferred: string | undefined;
  #tls: (() => TlsMaterial) | undefined;
  #tlsSeen: TlsMaterial | undefined;
  #connect: (endpoint: string, tls: TlsMaterial | undefined) => C;

  /**
   * Creates the pool; no connection is opened until a call needs one.
   *
   * @throws {TypeError} naming an endpoint that is not `host:port`.
   * @throws {RangeError} naming a non-positive timeout.
   */
  constructor(options: EtcdEndpointsOptions<C>) {
    this.#endpoints = options.endpoints.map(normalizeEndpoint);
    this.#timeoutMs = positiveTimeout("timeoutMs", options.timeoutMs);
    this.#log = options.logger;
    this.#tls = options.tls;
    this.#connect = options.connect;
  }

  /** Replaces the endpoints cluster calls use; closes clients no longer listed. */
  setEndpoints(endpoints: readonly string[]): void {
    const next = endpoints.map(normalizeEndpoint);
    for (const [endpoint, client] of this.#clients) {
      if (!next.includes(endpoint)) {
        client.close();
        this.#clients.delete(endpoint);
      }
    }
    this.#endpoints = next;
  }

  /** Closes every client; later calls fail with kind `closed`. */
  close(): void {
    this.#closed = true;
    for (const client of this.#clients.values()) client.close();
    this.#clients.clear();
  }

  /**
   * Tries the endpoints in turn, starting with the last one that answered.
   *
   * @throws {EtcdAdminError} of the last endpoint tried, or the first that cannot be
   * retried elsewhere.
   */
  async callCluster<T>(call: EtcdCall<C, T>, spec: ClusterCallSpec): Promise<T> {
    const { op, readOnly } = spec;
    const given = spec.endpoints ? spec.endpoints.map(normalizeEndpoint) : this.#endpoints;
    if (given.length === 0) {
      throw new EtcdAdminError(op, undefined, "unavailable", "no endpoints configured");
    }
    const order = this.#preferred !== undefined && given.includes(this.#preferred)
      ? [this.#preferred, ...given.filter((e) => e !== this.#preferred)]
      : given;
    let last: EtcdAdminError | undefined;
    for (const endpoint of order) {
      try {
        const result = await this.call(endpoint, call, spec);
        this.#preferred = endpoint;
        return result;
      } catch (err) {
        last = toAdminError(op, endpoint, err);
        const again = RETRY_ELSEWHERE.has(last.kind) || (readOnly && last.kind === "timeout") ||
          (readOnly && last.kind === "no-leader");
        if (!again) throw last;
        this.#log.debug("etcd call failed; trying next endpoint", { op, endpoint, err: last });
      }
    }
    throw last!;
  }

  /**
   * One call against one (normalized) endpoint with a deadline enforced on both sides.
   *
   * @throws {EtcdAdminError} of kind `timeout`, `closed` or what etcd answered.
   */
  async call<T>(endpoint: string, call: EtcdCall<C, T>, options: EtcdCallOptions): Promise<T> {
    const { op } = options;
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    if (this.#closed) throw new EtcdAdminError(op, endpoint, "closed", "client closed");
    const client = this.#client(endpoint);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new EtcdAdminError(op, endpoint, "timeout", `no answer within ${timeoutMs} ms`)),
        timeoutMs + 50,
      );
    });
    const pending = call(client, { deadline: Date.now() + timeoutMs });
    pending.catch(() => {}); // a late failure after our timeout is not unhandled
    try {
      return await Promise.race([pending, timeout]);
    } catch (err) {
      throw toAdminError(op, endpoint, err);
    } finally {
      clearTimeout(timer);
    }
  }

  #client(endpoint: string): C {
    const tls = this.#tls?.();
    if (tls !== this.#tlsSeen) {
      // A renewed identity: connections made with the old one are replaced.
      for (const old of this.#clients.values()) old.close();
      this.#clients.clear();
      this.#tlsSeen = tls;
    }
    let client = this.#clients.get(endpoint);
    if (client === undefined) {
      client = this.#connect(endpoint, tls);
      this.#clients.set(endpoint, client);
    }
    return client;
  }
}
