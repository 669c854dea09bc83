/**
 * The agent's status update manager: keeps every reliable update (one with a uuid) of a
 * task in order, forwards only the head of each task's queue to the master, retries it
 * with a doubling delay until the scheduler's acknowledgement comes back, then moves on
 * to the next (protocol doc §4).
 *
 * @module
 */
import type { Clock } from "../../clock.ts";
import { systemClock } from "../../clock.ts";
import type { Logger } from "../../log.ts";
import { silentLogger } from "../../log.ts";
import { bytesToBase64 } from "../../mesos/base64.ts";
import type { Plain } from "../../mesos/plain.ts";

/** Sends one update to the master; a rejection only means "retry later". */
export type ForwardUpdate = (frameworkId: string, status: Plain) => Promise<void>;

/** Options for {@linkcode StatusUpdateManager}. */
export interface StatusUpdateManagerOptions {
  forward: ForwardUpdate;
  /** First retry delay (ms); doubles per retry. Default 1000. */
  retryMs?: number;
  /** Largest retry delay (ms). Default 10 minutes, or `retryMs` when larger. */
  maxRetryMs?: number;
  clock?: Clock;
  logger?: Logger;
}

interface Stream {
  frameworkId: string;
  taskId: string;
  pending: Plain[];
  /** uuids (base64) of every update this stream has accepted. */
  seen: Set<string>;
  delay: number;
  timer?: number;
}

/** Result of {@linkcode StatusUpdateManager.update}. */
export type UpdateOutcome = "queued" | "duplicate";

/** Per-task ordered, acknowledged delivery of status updates. */
export class StatusUpdateManager {
  readonly #forward: ForwardUpdate;
  readonly #retryMs: number;
  readonly #maxRetryMs: number;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #streams = new Map<string, Stream>();
  #paused = false;

  constructor(options: StatusUpdateManagerOptions) {
    this.#forward = options.forward;
    this.#retryMs = options.retryMs ?? 1_000;
    this.#maxRetryMs = Math.max(options.maxRetryMs ?? 600_000, this.#retryMs);
    this.#clock = options.clock ?? systemClock;
    this.#log = options.logger ?? silentLogger;
    if (!(this.#retryMs > 0)) {
      throw new RangeError(`Cannot use status update retry ${this.#retryMs} ms: expected > 0`);
    }
  }

  /**
   * Records a status (which must carry a 16-byte `uuid`) and forwards it when it is the
   * head of its task's queue. An update whose uuid the task already had is a duplicate and
   * is dropped.
   *
   * @throws {TypeError} when the status has no uuid.
   */
  update(frameworkId: string, status: Plain): UpdateOutcome {
    const uuid = uuidKey(status);
    const taskId = String(status.task_id?.value);
    const key = streamKey(frameworkId, taskId);
    let stream = this.#streams.get(key);
    if (!stream) {
      stream = { frameworkId, taskId, pending: [], seen: new Set(), delay: this.#retryMs };
      this.#streams.set(key, stream);
    }
    if (stream.seen.has(uuid)) {
      this.#log.debug("duplicate status update", { task_id: taskId, uuid });
      return "duplicate";
    }
    stream.seen.add(uuid);
    stream.pending.push(status);
    if (stream.pending.length === 1) this.#send(stream);
    return "queued";
  }

  /**
   * Handles the scheduler's acknowledgement relayed by the master. Returns the
   * acknowledged status when `uuid` (base64) matches the head of the task's queue, else
   * `undefined` (stale or unknown acks are ignored).
   */
  acknowledge(frameworkId: string, taskId: string, uuid: string): Plain | undefined {
    const stream = this.#streams.get(streamKey(frameworkId, taskId));
    const head = stream?.pending[0];
    if (!stream || !head || uuidKey(head) !== uuid) {
      this.#log.debug("ignoring acknowledgement", { task_id: taskId, uuid });
      return undefined;
    }
    stream.pending.shift();
    this.#cancel(stream);
    stream.delay = this.#retryMs;
    if (stream.pending.length > 0) this.#send(stream);
    return head;
  }

  /** Unacknowledged updates of a task, oldest first. */
  pending(frameworkId: string, taskId: string): Plain[] {
    return [...(this.#streams.get(streamKey(frameworkId, taskId))?.pending ?? [])];
  }

  /** How many tasks have updates waiting for an acknowledgement. */
  get inFlight(): number {
    let n = 0;
    for (const s of this.#streams.values()) if (s.pending.length > 0) n++;
    return n;
  }

  /** Forgets a task's stream (after its terminal update was acknowledged). */
  forgetTask(frameworkId: string, taskId: string): void {
    const key = streamKey(frameworkId, taskId);
    const stream = this.#streams.get(key);
    if (stream) this.#cancel(stream);
    this.#streams.delete(key);
  }

  /** Drops every stream of a framework (it was shut down). */
  forgetFramework(frameworkId: string): void {
    for (const s of [...this.#streams.values()]) {
      if (s.frameworkId === frameworkId) this.forgetTask(frameworkId, s.taskId);
    }
  }

  /** Stops sending (timers cancelled) until {@linkcode resume}. */
  pause(): void {
    this.#paused = true;
    for (const s of this.#streams.values()) this.#cancel(s);
  }

  /** Sends every head update now (after a (re-)registration) and restarts the retries. */
  resume(): void {
    this.#paused = false;
    for (const s of this.#streams.values()) {
      this.#cancel(s);
      s.delay = this.#retryMs;
      if (s.pending.length > 0) this.#send(s);
    }
  }

  /** Cancels every timer (the agent is stopping). */
  close(): void {
    this.pause();
    this.#streams.clear();
  }

  #send(stream: Stream): void {
    if (this.#paused) return;
    const head = stream.pending[0];
    if (!head) return;
    this.#cancel(stream);
    const delay = stream.delay;
    stream.delay = Math.min(stream.delay * 2, this.#maxRetryMs);
    stream.timer = this.#clock.setTimeout(() => {
      stream.timer = undefined;
      this.#log.debug("retrying status update", { task_id: stream.taskId, state: head.state });
      this.#send(stream);
    }, delay);
    this.#forward(stream.frameworkId, head).catch((e) => {
      this.#log.debug("status update not delivered", { task_id: stream.taskId, error: e });
    });
  }

  #cancel(stream: Stream): void {
    if (stream.timer !== undefined) this.#clock.clearTimeout(stream.timer);
    stream.timer = undefined;
  }
}

function streamKey(frameworkId: string, taskId: string): string {
  return `${frameworkId}\u0000${taskId}`;
}

function uuidKey(status: Plain): string {
  const uuid = status.uuid;
  if (!(uuid instanceof Uint8Array) || uuid.length !== 16) {
    throw new TypeError(
      `Cannot manage status update of task ${status.task_id?.value}: uuid must be 16 bytes`,
    );
  }
  return bytesToBase64(uuid);
}
