/**
 * The executor side of the Mesos v1 executor API: SUBSCRIBE to the local agent, deliver
 * events, send status updates reliably (each kept until the agent reports ACKNOWLEDGED,
 * resent on re-subscription) and survive agent restarts when checkpointing is on.
 *
 * @module
 */
import { decodeMessage, encodeMessage, type Encoding } from "./encoding.ts";
import type { ExecutorEvent, TaskInfo, TaskStatus } from "./types.ts";
import {
  type ExecutorCall,
  executorMessage,
  executorSubscribe,
  executorUpdate,
  stampStatus,
} from "./executor_calls.ts";
import { type ExecutorEnv, readExecutorEnv } from "./executor_env.ts";
import { type HttpCallOptions, postMesos, sendCall } from "./http_call.ts";
import { readRecords } from "./recordio.ts";
import { randomUuidBytes, uuidToText } from "./uuid.ts";
import { AgentLostError, ClientClosedError, MesosApiError } from "./client_errors.ts";
import { AsyncQueue } from "./async_queue.ts";
import { waitFor } from "./backoff.ts";
import { type Clock, systemClock } from "../clock.ts";
import { type Logger, silentLogger } from "../log.ts";

const CALL = "mesos.v1.executor.Call";
const EVENT = "mesos.v1.executor.Event";

/** Options for {@linkcode createExecutorClient}. */
export interface ExecutorClientOptions {
  /** The environment to read (default `Deno.env.toObject()`). */
  env?: Record<string, string | undefined>;
  /** Wire encoding (default `"protobuf"`). */
  encoding?: Encoding;
  logger?: Logger;
  clock?: Clock;
  fetch?: typeof fetch;
  /** Random source in [0, 1) for re-subscribe delays; default `Math.random`. */
  random?: () => number;
  /** Fills status uuids; default `crypto.getRandomValues`. */
  randomBytes?: (buf: Uint8Array) => void;
}

/** What the client reports to its consumer. */
export type ExecutorNotice =
  | { type: "connected"; subscribed: NonNullable<ExecutorEvent["subscribed"]> }
  /** `willRetry` false: checkpointing is off, stop the tasks and exit. */
  | { type: "disconnected"; reason: string; willRetry: boolean }
  | { type: "event"; event: ExecutorEvent };

/** A running executor client; iterate it for notices (one consumer). */
export interface ExecutorClient extends AsyncIterable<ExecutorNotice> {
  readonly env: ExecutorEnv;
  /** True while subscribed. */
  readonly connected: boolean;
  /** Updates sent (or queued) and not yet ACKNOWLEDGED, oldest first. */
  readonly unacknowledgedUpdates: TaskStatus[];
  /** Tasks received by LAUNCH with no acknowledged update yet. */
  readonly unacknowledgedTasks: TaskInfo[];
  /**
   * Stamps and sends a status update, returning its uuid. It is kept until ACKNOWLEDGED and
   * resent on re-subscription, so while disconnected it is only queued.
   *
   * @throws {MesosApiError} when the agent rejects it (4xx; it is then dropped).
   */
  update(status: TaskStatus): Promise<Uint8Array>;
  /** Sends a MESSAGE to the scheduler (unreliable). */
  message(data: Uint8Array | string): Promise<void>;
  /**
   * Resolves after {@linkcode ExecutorClient.close}; rejects with {@linkcode AgentLostError}
   * when the agent is gone for good. The notice iterator throws the same error.
   */
  readonly done: Promise<void>;
  /** Stops everything; resolves once stopped. */
  close(): Promise<void>;
}

/**
 * Reads the environment and starts subscribing at once.
 *
 * @throws {TypeError} naming every missing or bad MESOS_* variable.
 */
export function createExecutorClient(options: ExecutorClientOptions = {}): ExecutorClient {
  return new HttpExecutorClient(options);
}

class HttpExecutorClient implements ExecutorClient {
  readonly env: ExecutorEnv;
  readonly #opts: ExecutorClientOptions;
  readonly #encoding: Encoding;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #headers: Record<string, string>;
  readonly #notices = new AsyncQueue<ExecutorNotice>();
  readonly #closing = new AbortController();
  readonly #updates = new Map<string, TaskStatus>();
  readonly #tasks = new Map<string, TaskInfo>();
  #attempt: AbortController | undefined;
  #connected = false;
  #stopped = false;
  readonly #run: Promise<void>;
  readonly done: Promise<void>;

  constructor(options: ExecutorClientOptions) {
    this.#opts = options;
    this.env = readExecutorEnv(options.env ?? Deno.env.toObject());
    this.#encoding = options.encoding ?? "protobuf";
    this.#clock = options.clock ?? systemClock;
    this.#logger = (options.logger ?? silentLogger).child({
      component: "executor-client",
      executorId: this.env.executorId,
    });
    this.#headers = this.env.authenticationToken
      ? { Authorization: `Bearer ${this.env.authenticationToken}` }
      : {};
    this.#run = this.#loop();
    this.done = this.#run;
    this.done.catch(() => {}); // also thrown by the notice iterator
  }

  get connected(): boolean {
    return this.#connected;
  }

  get unacknowledgedUpdates(): TaskStatus[] {
    return [...this.#updates.values()];
  }

  get unacknowledgedTasks(): TaskInfo[] {
    return [...this.#tasks.values()];
  }

  [Symbol.asyncIterator](): AsyncIterator<ExecutorNotice> {
    return this.#notices[Symbol.asyncIterator]();
  }

  async update(status: TaskStatus): Promise<Uint8Array> {
    this.#checkOpen();
    const uuid = randomUuidBytes(this.#opts.randomBytes);
    const stamped = stampStatus(status, {
      executorId: this.env.executorId,
      nowMs: this.#clock.now(),
      uuid,
    });
    const key = uuidToText(uuid);
    this.#updates.set(key, stamped);
    if (!this.#connected) {
      this.#logger.info("queued status update until re-subscribed", {
        task: status.task_id.value,
        state: status.state,
      });
      return uuid;
    }
    try {
      await this.#send(executorUpdate(this.env, stamped), "UPDATE");
    } catch (e) {
      if (e instanceof MesosApiError && e.status >= 400 && e.status < 500) {
        this.#updates.delete(key);
        throw e;
      }
      this.#logger.warn("status update not delivered, will resend on re-subscribe", {
        task: status.task_id.value,
        state: status.state,
        error: e,
      });
    }
    return uuid;
  }

  async message(data: Uint8Array | string): Promise<void> {
    this.#checkOpen();
    await this.#send(executorMessage(this.env, data), "MESSAGE");
  }

  async close(): Promise<void> {
    if (!this.#closing.signal.aborted) {
      const reason = new ClientClosedError("The executor client");
      this.#closing.abort(reason);
      this.#attempt?.abort(reason);
    }
    await this.#run.catch(() => {});
  }

  #checkOpen() {
    if (this.#stopped || this.#closing.signal.aborted) {
      throw new ClientClosedError("The executor client");
    }
  }

  #callOptions(what: string, signal: AbortSignal): HttpCallOptions {
    return {
      encoding: this.#encoding,
      headers: this.#headers,
      what,
      fetch: this.#opts.fetch,
      signal,
      clock: this.#clock,
      logger: this.#logger,
      unavailableAttempts: 1,
    };
  }

  async #send(call: ExecutorCall, what: string) {
    const body = encodeMessage(CALL, call, this.#encoding);
    await sendCall(this.env.agentUrl, body, this.#callOptions(what, this.#closing.signal));
  }

  async #loop(): Promise<void> {
    let lostSince: number | undefined;
    let everSubscribed = false;
    try {
      while (!this.#closing.signal.aborted) {
        const end = await this.#subscribeOnce();
        if (this.#closing.signal.aborted) break;
        everSubscribed ||= end.wasSubscribed;
        if (everSubscribed && !this.env.checkpoint) {
          this.#notices.push({ type: "disconnected", reason: end.reason, willRetry: false });
          throw new AgentLostError(`${end.reason}; checkpointing is off, so no recovery`);
        }
        const now = this.#clock.now();
        if (end.wasSubscribed || lostSince === undefined) lostSince = now;
        if (end.wasSubscribed) {
          this.#notices.push({ type: "disconnected", reason: end.reason, willRetry: true });
        }
        const left = lostSince + this.env.recoveryTimeoutMs - now;
        if (left <= 0) {
          throw new AgentLostError(
            `${end.reason}; not re-subscribed within ${this.env.recoveryTimeoutMs} ms`,
          );
        }
        const random = this.#opts.random ?? Math.random;
        const delay = Math.min(left, random() * this.env.subscriptionBackoffMaxMs);
        this.#logger.warn("agent connection lost, re-subscribing", { reason: end.reason, delay });
        await waitFor(delay, this.#clock, this.#closing.signal).catch(() => {});
      }
      this.#stopped = true;
      this.#notices.close();
    } catch (e) {
      this.#stopped = true;
      this.#logger.error("giving up on the agent", { error: e });
      this.#notices.close(e);
      throw e;
    }
  }

  async #subscribeOnce(): Promise<{ reason: string; wasSubscribed: boolean }> {
    const ctl = new AbortController();
    this.#attempt = ctl;
    if (this.#closing.signal.aborted) ctl.abort(this.#closing.signal.reason);
    const call = executorSubscribe(this.env, {
      unacknowledgedTasks: this.unacknowledgedTasks,
      unacknowledgedUpdates: this.unacknowledgedUpdates,
    });
    let body: ReadableStream<Uint8Array> | null = null;
    let wasSubscribed = false;
    try {
      const { response } = await postMesos(
        this.env.agentUrl,
        encodeMessage(CALL, call, this.#encoding),
        this.#callOptions("SUBSCRIBE", ctl.signal),
      );
      body = response.body;
      if (response.status !== 200) {
        const text = await response.text();
        return { reason: `SUBSCRIBE answered ${response.status}: ${text}`, wasSubscribed };
      }
      if (!body) return { reason: "SUBSCRIBE response has no body", wasSubscribed };
      for await (const record of readRecords(body)) {
        const event = decodeMessage<ExecutorEvent>(EVENT, record, this.#encoding);
        if (event.type === "SUBSCRIBED" && event.subscribed) {
          wasSubscribed = this.#connected = true;
          this.#logger.info("subscribed to the agent", {
            resent: call.subscribe?.unacknowledged_updates?.length ?? 0,
          });
          this.#notices.push({ type: "connected", subscribed: event.subscribed });
          continue;
        }
        this.#track(event);
        this.#notices.push({ type: "event", event });
      }
      return { reason: "the agent ended the stream", wasSubscribed };
    } catch (e) {
      const cause = ctl.signal.aborted ? ctl.signal.reason : e;
      return { reason: cause instanceof Error ? cause.message : String(cause), wasSubscribed };
    } finally {
      this.#connected = false;
      this.#attempt = undefined;
      await body?.cancel().catch(() => {});
    }
  }

  /** Keeps the unacknowledged tasks and updates in step with LAUNCH and ACKNOWLEDGED. */
  #track(event: ExecutorEvent) {
    if (event.type === "LAUNCH" && event.launch) {
      this.#tasks.set(event.launch.task.task_id.value, event.launch.task);
    } else if (event.type === "LAUNCH_GROUP") {
      const group = (event as { launch_group?: { task_group?: { tasks?: TaskInfo[] } } })
        .launch_group;
      for (const task of group?.task_group?.tasks ?? []) this.#tasks.set(task.task_id.value, task);
    } else if (event.type === "ACKNOWLEDGED" && event.acknowledged) {
      this.#updates.delete(uuidToTextOrEmpty(event.acknowledged.uuid));
      this.#tasks.delete(event.acknowledged.task_id.value);
    }
  }
}

function uuidToTextOrEmpty(bytes: Uint8Array): string {
  return bytes.length === 16 ? uuidToText(bytes) : "";
}
