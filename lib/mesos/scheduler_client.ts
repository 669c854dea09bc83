/**
 * The framework side of the Mesos v1 scheduler API: keeps one SUBSCRIBE stream open to the
 * leading master (re-detecting and re-subscribing with the same framework id after any
 * loss), delivers decoded events, and sends the other calls on separate requests with
 * the stream id.
 *
 * @example
 * ```ts
 * const client = createSchedulerClient({ master: "127.0.0.1:5050", frameworkInfo, logger });
 * for await (const n of client) {
 *   if (n.type === "connected") await client.call(reconcile());
 *   if (n.type === "event" && n.event.type === "OFFERS") ...
 * }
 * ```
 *
 * @module
 */
import { encodeMessage, type Encoding } from "./encoding.ts";
import type { FrameworkInfo, SchedulerEvent } from "./types.ts";
import { type SchedulerCall, subscribe, withFrameworkId } from "./calls.ts";
import { basicAuth, type CallResult, sendCall } from "./http_call.ts";
import {
  ClientClosedError,
  MesosAuthenticationError,
  NotSubscribedError,
} from "./client_errors.ts";
import { AsyncQueue } from "./async_queue.ts";
import { Backoff, waitFor } from "./backoff.ts";
import type { LeaderSource } from "./leader_source.ts";
import { createMasterDetector, type MasterDetector } from "./master_detector.ts";
import { type StreamEnd, SubscriptionAttempt } from "./subscription_attempt.ts";
import { type Clock, systemClock } from "../clock.ts";
import { type Logger, silentLogger } from "../log.ts";

const CALL = "mesos.v1.scheduler.Call";

/** Options for {@linkcode createSchedulerClient}. */
export interface SchedulerClientOptions {
  /**
   * A master detector (owned by the caller), or a `--master` value (`host:port`,
   * `http://host:port`, `zk://host:2181/mesos`) for which the client creates, and on close
   * closes, its own detector.
   */
  master: MasterDetector | LeaderSource | string | URL;
  /** The framework; with `id` set the first SUBSCRIBE is already a re-subscription. */
  frameworkInfo: FrameworkInfo;
  /** Wire encoding of calls and events (default `"protobuf"`). */
  encoding?: Encoding;
  /** HTTP basic auth sent on every request; the secret is never logged. */
  credentials?: { principal: string; secret: string };
  logger?: Logger;
  clock?: Clock;
  fetch?: typeof fetch;
  /** Re-subscription delays (default 500 ms doubling up to 15 s). */
  backoff?: { minMs?: number; maxMs?: number };
  /** Missed heartbeat intervals before the stream counts as dead (default 5). */
  missedHeartbeats?: number;
}

/** What the SUBSCRIBED event carried. */
export type Subscribed = NonNullable<SchedulerEvent["subscribed"]>;

/** What the client reports to its consumer. */
export type SchedulerNotice =
  | {
    /** A SUBSCRIBED arrived: offers from before are gone; reconcile now. */
    type: "connected";
    frameworkId: string;
    streamId: string;
    /** The scheduler endpoint of the leading master that accepted the subscription. */
    leader: URL;
    subscribed: Subscribed;
  }
  | { type: "disconnected"; reason: string }
  | { type: "event"; event: SchedulerEvent };

/** A running scheduler client; iterate it for notices (one consumer). */
export interface SchedulerClient extends AsyncIterable<SchedulerNotice> {
  /** The framework id, once known (from options or SUBSCRIBED). */
  readonly frameworkId: string | undefined;
  /** The current stream id, while subscribed. */
  readonly streamId: string | undefined;
  /** The leading master's scheduler endpoint, while subscribed. */
  readonly leader: URL | undefined;
  /**
   * Sends a non-SUBSCRIBE call (framework id and stream id are added).
   *
   * @throws {NotSubscribedError} while not subscribed; {@linkcode MesosApiError} on 4xx/5xx.
   */
  call(call: SchedulerCall): Promise<CallResult>;
  /**
   * Settles when the client stops: resolves after {@linkcode SchedulerClient.close},
   * rejects with a {@linkcode FrameworkError} (e.g. {@linkcode FrameworkRemovedError})
   * when the master ended the framework, or with a {@linkcode MesosAuthenticationError}
   * when it refused the credentials (401). The notice iterator throws the same error.
   */
  readonly done: Promise<void>;
  /** Aborts the stream, pending waits and calls; resolves when everything has stopped. */
  close(): Promise<void>;
}

/** Starts subscribing at once; notices queue up until read. */
export function createSchedulerClient(options: SchedulerClientOptions): SchedulerClient {
  return new HttpSchedulerClient(options);
}

class HttpSchedulerClient implements SchedulerClient {
  readonly #opts: SchedulerClientOptions;
  readonly #encoding: Encoding;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #leaders: LeaderSource;
  readonly #ownDetector: MasterDetector | undefined;
  readonly #auth: Record<string, string>;
  readonly #notices = new AsyncQueue<SchedulerNotice>();
  readonly #closing = new AbortController();
  readonly #stopWatching: () => void;
  #frameworkId: string | undefined;
  #stopped = false;
  #attempt: SubscriptionAttempt | undefined;
  readonly #run: Promise<void>;
  readonly done: Promise<void>;

  constructor(options: SchedulerClientOptions) {
    this.#opts = options;
    this.#encoding = options.encoding ?? "protobuf";
    this.#clock = options.clock ?? systemClock;
    this.#logger = (options.logger ?? silentLogger).child({ component: "scheduler-client" });
    const { master } = options;
    if (typeof master === "string" || master instanceof URL) {
      this.#ownDetector = createMasterDetector(String(master), {
        logger: this.#logger,
        clock: this.#clock,
      });
      this.#leaders = this.#ownDetector;
    } else this.#leaders = master;
    this.#frameworkId = options.frameworkInfo.id?.value;
    const { credentials } = options;
    this.#auth = credentials
      ? { Authorization: basicAuth(credentials.principal, credentials.secret) }
      : {};
    this.#stopWatching = this.#leaders.onChange?.((leader) => this.#leaderChanged(leader)) ??
      (() => {});
    this.#run = this.#loop();
    this.done = this.#run;
    this.done.catch(() => {}); // the error is also thrown by the notice iterator
  }

  get frameworkId(): string | undefined {
    return this.#frameworkId;
  }

  get streamId(): string | undefined {
    return this.#attempt?.subscribed ? this.#attempt.streamId : undefined;
  }

  get leader(): URL | undefined {
    return this.#attempt?.subscribed ? this.#attempt.endpoint : undefined;
  }

  [Symbol.asyncIterator](): AsyncIterator<SchedulerNotice> {
    return this.#notices[Symbol.asyncIterator]();
  }

  async call(call: SchedulerCall): Promise<CallResult> {
    if (this.#stopped || this.#closing.signal.aborted) {
      throw new ClientClosedError("The scheduler client");
    }
    if (call.type === "SUBSCRIBE") {
      throw new TypeError("Cannot send SUBSCRIBE through call(): the client subscribes itself");
    }
    const attempt = this.#attempt;
    const fwId = this.#frameworkId;
    if (!attempt?.subscribed || fwId === undefined || attempt.streamId === undefined) {
      throw new NotSubscribedError(call.type);
    }
    const body = encodeMessage(CALL, withFrameworkId(call, fwId), this.#encoding);
    this.#logger.debug("sending call", { type: call.type });
    return await sendCall(attempt.endpoint, body, {
      encoding: this.#encoding,
      headers: { ...this.#auth, "Mesos-Stream-Id": attempt.streamId },
      what: call.type,
      fetch: this.#opts.fetch,
      signal: this.#closing.signal,
      clock: this.#clock,
      logger: this.#logger,
    });
  }

  async close(): Promise<void> {
    if (!this.#closing.signal.aborted) {
      this.#closing.abort(new ClientClosedError("The scheduler client"));
      this.#attempt?.abort(new ClientClosedError("The scheduler client"));
      this.#stopWatching();
    }
    await this.#run.catch(() => {});
    await this.#ownDetector?.close();
  }

  async #loop(): Promise<void> {
    const backoff = new Backoff({
      minMs: this.#opts.backoff?.minMs ?? 500,
      maxMs: this.#opts.backoff?.maxMs ?? 15_000,
    });
    try {
      while (!this.#closing.signal.aborted) {
        const end = await this.#subscribeOnce(backoff);
        if (this.#closing.signal.aborted) break;
        if (end.fatal) {
          this.#logger.error(
            end.fatal instanceof MesosAuthenticationError
              ? "the master refused the credentials"
              : "subscription ended by the master",
            { error: end.fatal.message },
          );
          throw end.fatal;
        }
        if (end.wasSubscribed) this.#notices.push({ type: "disconnected", reason: end.reason });
        const delay = backoff.next();
        this.#logger.warn("subscription lost, re-subscribing", {
          reason: end.reason,
          delayMs: delay,
          frameworkId: this.#frameworkId,
        });
        await waitFor(delay, this.#clock, this.#closing.signal).catch(() => {});
      }
      this.#stopped = true;
      this.#notices.close();
    } catch (e) {
      this.#stopped = true;
      this.#notices.close(e);
      this.#stopWatching();
      await this.#ownDetector?.close().catch(() => {});
      throw e;
    }
  }

  async #subscribeOnce(backoff: Backoff): Promise<StreamEnd> {
    let leader: URL | undefined;
    try {
      leader = await untilAborted(this.#leaders.current(), this.#closing.signal);
    } catch (e) {
      return { reason: `master detection failed: ${(e as Error).message}`, wasSubscribed: false };
    }
    if (!leader) return { reason: "no leading master detected", wasSubscribed: false };
    const call = subscribe(this.#opts.frameworkInfo, { frameworkId: this.#frameworkId });
    const attempt = new SubscriptionAttempt({
      endpoint: new URL("api/v1/scheduler", leader),
      body: encodeMessage(CALL, call, this.#encoding),
      encoding: this.#encoding,
      headers: this.#auth,
      principal: this.#opts.credentials?.principal,
      fetch: this.#opts.fetch,
      clock: this.#clock,
      logger: this.#logger,
      missedHeartbeats: this.#opts.missedHeartbeats,
      frameworkId: () => this.#frameworkId,
      onSubscribed: (subscribed, streamId, endpoint) => {
        this.#frameworkId = subscribed.framework_id.value;
        backoff.reset();
        this.#logger.info("subscribed", {
          frameworkId: this.#frameworkId,
          streamId,
          leader: endpoint.href,
        });
        this.#notices.push({
          type: "connected",
          frameworkId: this.#frameworkId,
          streamId,
          leader: endpoint,
          subscribed,
        });
      },
      onEvent: (event) => this.#notices.push({ type: "event", event }),
    });
    this.#attempt = attempt;
    if (this.#closing.signal.aborted) attempt.abort(this.#closing.signal.reason);
    try {
      return await attempt.run();
    } finally {
      this.#attempt = undefined;
    }
  }

  #leaderChanged(leader: URL | undefined) {
    const attempt = this.#attempt;
    if (!attempt) return;
    if (leader && leader.host === attempt.endpoint.host) return;
    this.#logger.info("leading master changed, dropping the subscription", {
      from: attempt.endpoint.host,
      to: leader?.host,
    });
    attempt.abort(new Error(`leading master changed to ${leader?.host ?? "none"}`));
  }
}

/** `promise`, or a rejection as soon as `signal` aborts (a slow detector must not block close). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
