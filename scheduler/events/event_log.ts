/**
 * The audit trail: the last {@linkcode DEFAULT_CAPACITY} decisions of the scheduler, served on
 * `GET /events` and kept in an {@linkcode EventStore} (ZooKeeper) so a restarted or
 * standby scheduler taking over carries on the same trail.
 *
 * Events come in two ways: {@linkcode EventLog.observe} turns each core step into events
 * (`events_of_step.ts`; the shell's `onStep`), and {@linkcode EventLog.record} is the hook
 * for decisions made outside the core (maintenance, backups, TLS, rolling restarts). Writes
 * to the store are batched: at most one every `flushMs`, the whole trail at a time, and never
 * before the stored trail has been loaded (so a new leader never overwrites it).
 *
 * @example
 * ```ts
 * const events = new EventLog({ store: createZkEventStore({ zk, frameworkName }) });
 * await events.load();                               // once this scheduler leads
 * shell = createSchedulerShell({ ..., onStep: (s) => events.observe(s) });
 * events.record("backup", "every 1h", { key: "snap-1" });
 * events.list({ kind: "reseed" });                   // reseed.* events, oldest first
 * await events.close();                              // writes what is left
 * ```
 *
 * @module
 */
import { type Clock, systemClock } from "../../lib/clock.ts";
import { type Logger, silentLogger } from "../../lib/log.ts";
import { ZnodeConflictError } from "../../lib/zk/znode_blob.ts";
import type { ObservedStep } from "../admin/history.ts";
import { type AuditEvent, type EventFields, type EventKind, makeEvent } from "./event.ts";
import { eventsOfStep } from "./events_of_step.ts";

/** Events kept (the oldest are dropped first). */
export const DEFAULT_CAPACITY = 500;

/** Where the trail is kept across restarts. */
export interface EventStore {
  /** A name for logs, e.g. the znode path. */
  readonly where: string;
  /** The stored trail, oldest first (empty when nothing is stored). */
  load(): Promise<AuditEvent[]>;
  /** Replaces the stored trail. */
  save(events: readonly AuditEvent[]): Promise<void>;
}

/** Options of {@linkcode EventLog}. */
export interface EventLogOptions {
  /** Default {@linkcode DEFAULT_CAPACITY}. */
  capacity?: number;
  /** Absent: the trail lives in memory only (an ephemeral framework). */
  store?: EventStore;
  /** Least time between two writes to the store, in ms; default 2000. */
  flushMs?: number;
  /** How long `close()` waits for the last write, in ms; default 3000. */
  closeWaitMs?: number;
  clock?: Clock;
  logger?: Logger;
}

/** Which events {@linkcode EventLog.list} returns. */
export interface EventFilter {
  /** A kind, or a kind's prefix before a dot (`reseed` matches `reseed.started`…). */
  kind?: string;
  /** Only events numbered above this. */
  after?: number;
  /** At most this many, the newest; default all. */
  limit?: number;
}

/** True when `kind` is `filter` or starts with `filter.`. */
function kindMatches(kind: string, filter: string): boolean {
  return kind === filter || kind.startsWith(`${filter}.`);
}

/** The audit trail of one scheduler; see the module comment. */
export class EventLog {
  readonly #capacity: number;
  readonly #store: EventStore | undefined;
  readonly #flushMs: number;
  readonly #closeWaitMs: number;
  readonly #clock: Clock;
  readonly #log: Logger;
  #events: AuditEvent[] = [];
  #seq = 0;
  #loaded = false;
  #persisting: boolean;
  #dirty = false;
  #timer: number | undefined;
  #writing: Promise<void> | undefined;
  #closed = false;

  constructor(options: EventLogOptions = {}) {
    const capacity = options.capacity ?? DEFAULT_CAPACITY;
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`Cannot keep ${capacity} events: expected a positive integer`);
    }
    this.#capacity = capacity;
    this.#store = options.store;
    this.#persisting = options.store !== undefined;
    this.#flushMs = options.flushMs ?? 2000;
    this.#closeWaitMs = options.closeWaitMs ?? 3000;
    this.#clock = options.clock ?? systemClock;
    this.#log = (options.logger ?? silentLogger).child({ component: "events" });
  }

  /**
   * Records a decision made now: the hook for features outside the core.
   *
   * @throws {TypeError} naming a kind that `EVENT_KINDS` does not document.
   */
  record(kind: EventKind, reason: string, fields: EventFields = {}): AuditEvent {
    return this.#add(kind, reason, fields, this.#clock.now());
  }

  /** Records the decisions of one core step (the shell's `onStep`). */
  observe(step: ObservedStep): void {
    for (const d of eventsOfStep(step)) this.#add(d.kind, d.reason, d.fields ?? {}, step.at);
  }

  /** The events matching `filter`, oldest first. */
  list(filter: EventFilter = {}): AuditEvent[] {
    let out = this.#events.filter((e) =>
      (filter.kind === undefined || kindMatches(e.kind, filter.kind)) &&
      (filter.after === undefined || e.seq > filter.after)
    );
    if (filter.limit !== undefined) out = out.slice(Math.max(0, out.length - filter.limit));
    return structuredClone(out);
  }

  /**
   * Loads the stored trail (once this scheduler leads): the stored events come first and
   * those recorded meanwhile follow, renumbered. Resolves with the number of stored events;
   * a store that cannot be read is logged and the trail starts over.
   */
  async load(): Promise<number> {
    if (this.#store === undefined || this.#loaded) return 0;
    let stored: AuditEvent[] = [];
    try {
      stored = await this.#store.load();
    } catch (error) {
      if (this.#closed) return 0;
      this.#log.error("cannot read the stored audit trail; starting a new one", {
        where: this.#store.where,
        error,
      });
    }
    const base = stored.reduce((max, e) => Math.max(max, e.seq), 0);
    const fresh = this.#events.map((e, i) => ({ ...e, seq: base + i + 1 }));
    this.#events = [...stored, ...fresh].slice(-this.#capacity);
    this.#seq = base + fresh.length;
    this.#loaded = true;
    this.#log.info("audit trail loaded", { where: this.#store.where, events: stored.length });
    if (fresh.length > 0) this.#markDirty();
    return stored.length;
  }

  /** Writes the trail now if it changed (waits for a write in flight first). */
  async flush(): Promise<void> {
    this.#clearTimer();
    while (this.#writing !== undefined) await this.#writing;
    if (!this.#dirty || !this.#loaded || !this.#persisting) return;
    this.#writing = this.#write().finally(() => this.#writing = undefined);
    await this.#writing;
  }

  /** Writes what is left (waiting at most `closeWaitMs`) and stops. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#clearTimer();
    let timer: number | undefined;
    const waited = new Promise<void>((resolve) => {
      timer = this.#clock.setTimeout(resolve, this.#closeWaitMs);
    });
    await Promise.race([this.flush().catch(() => {}), waited]);
    this.#clock.clearTimeout(timer!);
  }

  #add(kind: EventKind, reason: string, fields: EventFields, at: number): AuditEvent {
    const event = makeEvent({ kind, reason, fields }, this.#seq + 1, at);
    this.#seq = event.seq;
    this.#events.push(event);
    if (this.#events.length > this.#capacity) this.#events.shift();
    this.#log.info(`event ${kind}: ${event.reason}`, event.fields);
    this.#markDirty();
    return event;
  }

  #markDirty(): void {
    this.#dirty = true;
    if (!this.#persisting || !this.#loaded || this.#closed) return;
    if (this.#timer === undefined && this.#writing === undefined) {
      this.#timer = this.#clock.setTimeout(() => {
        this.#timer = undefined;
        void this.flush();
      }, this.#flushMs);
    }
  }

  async #write(): Promise<void> {
    this.#dirty = false;
    const snapshot = this.#events.slice();
    try {
      await this.#store!.save(snapshot);
    } catch (error) {
      if (error instanceof ZnodeConflictError) {
        this.#persisting = false;
        this.#log.error(
          "another scheduler writes the audit trail now; this one stops persisting it",
          { where: this.#store!.where },
        );
        return;
      }
      this.#dirty = true;
      if (!this.#closed) {
        this.#log.warn("cannot store the audit trail; trying again", {
          where: this.#store!.where,
          error,
        });
      }
    }
    if (this.#dirty && !this.#closed) {
      this.#timer ??= this.#clock.setTimeout(() => {
        this.#timer = undefined;
        void this.flush();
      }, this.#flushMs);
    }
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
