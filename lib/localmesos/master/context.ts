/**
 * The shared context of one master incarnation: its identity (MasterInfo), bookkeeping,
 * filters, clock, logger, agent client, fault settings, and the primitives every operation
 * uses (send an event to a framework, forward a status update, schedule an allocation,
 * publish operator events). Operations live in the `*_ops.ts` files.
 *
 * @module
 */
import type { Clock } from "../../clock.ts";
import { bytesToBase64 } from "../../mesos/base64.ts";
import type { Plain } from "../../mesos/plain.ts";
import type { Logger } from "../../log.ts";
import type { AgentClient } from "./agent_client.ts";
import type { EventStream } from "./event_stream.ts";
import { IdMinter } from "./ids.ts";
import { OfferFilters } from "./offers.ts";
import { type FrameworkRecord, MasterState } from "./state.ts";

/** Tunables of the local master (Mesos flag equivalents). */
export interface MasterOptions {
  /** `heartbeat_interval_seconds` of scheduler and operator streams; default 15. */
  heartbeatSeconds?: number;
  /** An agent that has not pinged for this long is disconnected; default 75000. */
  agentPingTimeoutMs?: number;
  /**
   * A disconnected agent that has not re-registered for this long is removed (its tasks go
   * TASK_LOST, or TASK_UNREACHABLE for PARTITION_AWARE frameworks); also how long a newly
   * elected master withholds answers about unknown agents; default 600000.
   */
  agentReregisterTimeoutMs?: number;
  /** Outstanding offers are rescinded after this long; default: never. */
  offerTimeoutMs?: number;
  /** HTTP Basic authentication of schedulers (`--authenticate_http_frameworks`). */
  authentication?: { credentials: { principal: string; secret: string }[] };
}

/** Fault injection settings (see LocalMaster's hooks). */
export interface FaultSettings {
  dropStatusUpdates: number;
  duplicateStatusUpdates: boolean;
  delayStatusUpdatesMs: number;
}

/** Everything an operation needs. */
export class MasterContext {
  readonly state = new MasterState();
  readonly filters = new OfferFilters();
  readonly ids: IdMinter;
  readonly masterInfo: Plain;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly agents: AgentClient;
  readonly options:
    & Required<Omit<MasterOptions, "offerTimeoutMs" | "authentication">>
    & Pick<MasterOptions, "offerTimeoutMs" | "authentication">;
  readonly faults: FaultSettings = {
    dropStatusUpdates: 0,
    duplicateStatusUpdates: false,
    delayStatusUpdatesMs: 0,
  };
  /** Operator API subscribers. */
  readonly operatorStreams = new Set<EventStream>();
  /** Until when (ms) unknown agents may still re-register after an election. */
  recoveringUntil = 0;
  /** Seconds since the epoch this master became leader. */
  electedTime: number | undefined;
  readonly startTime: number;
  /** False once this incarnation stopped or lost leadership: operations become no-ops. */
  alive = true;
  #allocationQueued = false;
  #allocate: () => void = () => {};
  #timers = new Set<number>();

  constructor(init: {
    masterInfo: Plain;
    clock: Clock;
    logger: Logger;
    agents: AgentClient;
    options?: MasterOptions;
    /** Shared across incarnations of one master so that ids are never reused. */
    ids?: IdMinter;
  }) {
    this.masterInfo = init.masterInfo;
    this.ids = init.ids ?? new IdMinter(init.masterInfo.id);
    this.clock = init.clock;
    this.logger = init.logger;
    this.agents = init.agents;
    const o = init.options ?? {};
    this.options = {
      heartbeatSeconds: o.heartbeatSeconds ?? 15,
      agentPingTimeoutMs: o.agentPingTimeoutMs ?? 75_000,
      agentReregisterTimeoutMs: o.agentReregisterTimeoutMs ?? 600_000,
      offerTimeoutMs: o.offerTimeoutMs,
      authentication: o.authentication,
    };
    this.startTime = this.now();
  }

  /** Current time in seconds since the epoch (Mesos' double timestamps). */
  now(): number {
    return this.clock.now() / 1000;
  }

  /** True while a newly elected master still waits for agents to re-register. */
  get recovering(): boolean {
    return this.clock.now() < this.recoveringUntil;
  }

  /** Installs the allocation routine (offer_ops' `allocate`). */
  setAllocator(allocate: () => void): void {
    this.#allocate = allocate;
  }

  /** Runs an allocation soon (once per burst of changes). */
  scheduleAllocation(): void {
    if (this.#allocationQueued) return;
    this.#allocationQueued = true;
    queueMicrotask(() => {
      this.#allocationQueued = false;
      if (this.alive) this.#allocate();
    });
  }

  /** A clock timer that {@linkcode MasterContext.cancelAllTimers} also cancels. */
  setTimer(fn: () => void, ms: number): number {
    const id = this.clock.setTimeout(() => {
      this.#timers.delete(id);
      fn();
    }, ms);
    this.#timers.add(id);
    return id;
  }

  /** Cancels a timer set with {@linkcode MasterContext.setTimer}. */
  clearTimer(id: number | undefined): void {
    if (id === undefined) return;
    this.clock.clearTimeout(id);
    this.#timers.delete(id);
  }

  /** Cancels every pending timer (on stop or loss of leadership). */
  cancelAllTimers(): void {
    for (const id of this.#timers) this.clock.clearTimeout(id);
    this.#timers.clear();
  }

  /** Sends `event` on the framework's stream; false when it is not connected. */
  sendEvent(fw: FrameworkRecord, event: Plain): boolean {
    if (!fw.connected || fw.stream === undefined) return false;
    return fw.stream.send(event);
  }

  /**
   * Forwards a status update to the framework as an UPDATE event, applying the fault
   * settings (duplicate, delay). A disconnected framework gets it when it re-subscribes
   * (pending updates are deduplicated by uuid).
   */
  forwardUpdate(fw: FrameworkRecord, status: Plain): void {
    if (!fw.connected) {
      queuePending(fw, status);
      return;
    }
    const deliver = () => {
      const event = { type: "UPDATE", update: { status } };
      if (!this.sendEvent(fw, event)) {
        queuePending(fw, status);
        return;
      }
      if (this.faults.duplicateStatusUpdates) this.sendEvent(fw, event);
    };
    if (this.faults.delayStatusUpdatesMs > 0) {
      this.setTimer(deliver, this.faults.delayStatusUpdatesMs);
    } else deliver();
  }

  /** Sends an operator API event to every operator subscriber. */
  publishOperatorEvent(event: Plain): void {
    for (const s of this.operatorStreams) {
      if (!s.send(event)) this.operatorStreams.delete(s);
    }
  }
}

function queuePending(fw: FrameworkRecord, status: Plain) {
  const uuid = status.uuid instanceof Uint8Array ? bytesToBase64(status.uuid) : undefined;
  if (uuid !== undefined) {
    const dup = fw.pendingUpdates.findIndex((s) =>
      s.uuid instanceof Uint8Array && bytesToBase64(s.uuid) === uuid
    );
    if (dup >= 0) {
      fw.pendingUpdates[dup] = status;
      return;
    }
  }
  fw.pendingUpdates.push(status);
}
