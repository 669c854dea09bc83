/**
 * One SUBSCRIBE to a master: POST (following redirects), read the RecordIO event stream
 * until it ends, fails, goes silent (heartbeat watchdog) or is aborted, and report why.
 * The scheduler client runs one attempt after another.
 *
 * @module
 */
import { CodecError } from "./codec_errors.ts";
import { decodeMessage, type Encoding } from "./encoding.ts";
import type { SchedulerEvent } from "./types.ts";
import { readRecords, RecordIOError } from "./recordio.ts";
import { postMesos } from "./http_call.ts";
import { HeartbeatWatchdog } from "./heartbeat_watchdog.ts";
import {
  type FrameworkError,
  frameworkErrorFor,
  MesosAuthenticationError,
} from "./client_errors.ts";
import type { Clock } from "../clock.ts";
import type { Logger } from "../log.ts";

const EVENT = "mesos.v1.scheduler.Event";
const DEFAULT_HEARTBEAT_MS = 15_000;
/** Heartbeat intervals above this (a day) are taken as this. */
const MAX_HEARTBEAT_MS = 86_400_000;
/** How much of an error response's body is read and reported. */
const MAX_ERROR_BODY_BYTES = 4096;

/** Why an attempt ended. */
export interface StreamEnd {
  /** Human-readable cause (`"the master ended the stream"`, a timeout, an HTTP status). */
  reason: string;
  /** Whether SUBSCRIBED had arrived (so the consumer saw a `connected` notice). */
  wasSubscribed: boolean;
  /**
   * Set when the client must stop, not re-subscribe: the master sent ERROR, or refused the
   * credentials (401).
   */
  fatal?: FrameworkError | MesosAuthenticationError;
}

/** Options for {@linkcode SubscriptionAttempt}. */
export interface SubscriptionAttemptOptions {
  /** The master's scheduler endpoint (`http://host:port/api/v1/scheduler`). */
  endpoint: URL;
  /** The encoded SUBSCRIBE call. */
  body: Uint8Array;
  encoding: Encoding;
  /** Extra headers (Authorization). */
  headers: Record<string, string>;
  /** The principal the Authorization header carries, to name it when it is refused. */
  principal?: string;
  fetch?: typeof fetch;
  clock: Clock;
  logger: Logger;
  /** Missed heartbeat intervals tolerated (default 5). */
  missedHeartbeats?: number;
  /** The framework id to name in errors. */
  frameworkId: () => string | undefined;
  onSubscribed(
    subscribed: NonNullable<SchedulerEvent["subscribed"]>,
    streamId: string,
    endpoint: URL,
  ): void;
  /** Every event after SUBSCRIBED (HEARTBEAT and ERROR included). */
  onEvent(event: SchedulerEvent): void;
}

/** A single SUBSCRIBE and its stream. */
export class SubscriptionAttempt {
  readonly #opts: SubscriptionAttemptOptions;
  readonly #ctl = new AbortController();
  #endpoint: URL;
  #streamId: string | undefined;
  #subscribed = false;

  constructor(options: SubscriptionAttemptOptions) {
    this.#opts = options;
    this.#endpoint = options.endpoint;
  }

  /** The endpoint in use (the leader's, once a redirect was followed). */
  get endpoint(): URL {
    return this.#endpoint;
  }

  /** The `Mesos-Stream-Id` of the response, once it arrived. */
  get streamId(): string | undefined {
    return this.#streamId;
  }

  /** True after SUBSCRIBED, until the attempt ends. */
  get subscribed(): boolean {
    return this.#subscribed;
  }

  /** Ends the attempt; `run()` then resolves with `reason` as its cause. */
  abort(reason: unknown): void {
    this.#ctl.abort(reason);
  }

  /** Subscribes and reads events until the stream is over. Never rejects. */
  async run(): Promise<StreamEnd> {
    const o = this.#opts;
    const signal = this.#ctl.signal;
    const watchdog = new HeartbeatWatchdog(
      o.clock,
      (ms) => this.#ctl.abort(new Error(`no record from the master for ${ms} ms`)),
      { intervalMs: DEFAULT_HEARTBEAT_MS, missed: o.missedHeartbeats },
    );
    let body: ReadableStream<Uint8Array> | null = null;
    try {
      const { response, url } = await postMesos(this.#endpoint, o.body, {
        encoding: o.encoding,
        headers: o.headers,
        what: "SUBSCRIBE",
        fetch: o.fetch,
        signal,
        clock: o.clock,
        logger: o.logger,
        unavailableAttempts: 1,
      });
      this.#endpoint = url;
      body = response.body;
      if (response.status === 401) {
        const auth = new MesosAuthenticationError(o.principal, url.href, response.status);
        return this.#end(auth.message, auth);
      }
      if (response.status !== 200) {
        const text = await readTextCapped(response, MAX_ERROR_BODY_BYTES);
        body = null;
        return this.#end(`SUBSCRIBE to ${url.host} answered ${response.status}: ${text}`);
      }
      this.#streamId = response.headers.get("Mesos-Stream-Id") ?? undefined;
      if (!body) return this.#end("SUBSCRIBE response has no body");
      for await (const record of readRecords(body)) {
        watchdog.reset();
        const event = decodeMessage<SchedulerEvent>(EVENT, record, o.encoding);
        if (event.type === undefined && this.#subscribed) {
          // A newer master's event type (unknown enum values are dropped): not for us.
          o.logger.debug("ignoring an event of a type this client does not know");
          continue;
        }
        if (event.type === "ERROR") {
          o.onEvent(event);
          const message = event.error?.message ?? "";
          return this.#end(message, frameworkErrorFor(message, o.frameworkId()));
        }
        if (!this.#subscribed) {
          if (event.type !== "SUBSCRIBED" || !event.subscribed) {
            return this.#end(`first event was ${event.type}, not SUBSCRIBED`);
          }
          if (this.#streamId === undefined) {
            return this.#end("SUBSCRIBE response lacks Mesos-Stream-Id");
          }
          this.#subscribed = true;
          const seconds = event.subscribed.heartbeat_interval_seconds;
          // A master's absurd interval (1e308, Infinity) is capped, not fatal.
          if (seconds !== undefined && seconds > 0) {
            watchdog.setInterval(Math.min(seconds * 1000, MAX_HEARTBEAT_MS));
          }
          o.onSubscribed(event.subscribed, this.#streamId, this.#endpoint);
          continue;
        }
        o.onEvent(event);
      }
      return this.#end("the master ended the stream");
    } catch (e) {
      const cause = signal.aborted ? signal.reason : e;
      const message = cause instanceof Error ? cause.message : String(cause);
      // Garbage from the master ends the stream: a fresh subscription resynchronises.
      if (cause instanceof RecordIOError) {
        return this.#end(`broken RecordIO stream from ${this.#endpoint.host}: ${message}`);
      }
      if (cause instanceof CodecError) {
        return this.#end(`undecodable event from ${this.#endpoint.host}: ${message}`);
      }
      return this.#end(message);
    } finally {
      watchdog.stop();
      await body?.cancel().catch(() => {});
      this.#subscribed = false;
    }
  }

  #end(reason: string, fatal?: StreamEnd["fatal"]): StreamEnd {
    return { reason, wasSubscribed: this.#subscribed, fatal };
  }
}

/** The start of a response's body as text (the rest is discarded). */
async function readTextCapped(response: Response, limit: number): Promise<string> {
  if (response.body === null) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value.subarray(0, limit - size));
      size += Math.min(value.length, limit - size);
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return new TextDecoder().decode(bytes);
}
