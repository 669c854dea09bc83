/**
 * Carries out etcd maintenance (the I/O around `plan.ts`): every interval it lists etcd's
 * alarms, asks {@linkcode planMaintenance} for the next call and makes it — compaction,
 * defragmentation of one member, disarming an alarm — recording each step in the audit trail
 * and counting it for `/stats` and `/metrics`. A NOSPACE alarm is handled to the end in one
 * round (compact, defragment each member, disarm); a defragmentation for fragmentation is one
 * member per round, so a probe comes between two. Rounds never overlap.
 *
 * @example
 * ```ts
 * const maintainer = new Maintainer({
 *   etcd: createEtcdMaintenanceClient({ endpoints: [] }),
 *   cluster: () => clusterView(shell.state, samples.latest()),
 *   record: (kind, reason, fields) => events.record(kind, reason, fields),
 *   settings: { ...DEFAULT_COOLDOWNS, defragThreshold: 0.5, defragMinDbBytes: 64 << 20 },
 * });
 * maintainer.start();
 * await maintainer.stop();
 * ```
 *
 * @module
 */
import { type Clock, systemClock } from "../../lib/clock.ts";
import type { EtcdAlarm, EtcdMaintenance } from "../../lib/etcd/maintenance.ts";
import { type Logger, silentLogger } from "../../lib/log.ts";
import type { EventFields, EventKind } from "../events/event.ts";
import {
  afterMaintenance,
  formatBytes,
  initialMaintenanceMemory,
  type MaintenanceAction,
  type MaintenanceInput,
  type MaintenanceMemory,
  type MaintenanceSettings,
  planMaintenance,
} from "./plan.ts";

/** Counters and gauges for `/stats` and `/metrics`. */
export interface MaintenanceCounters {
  /** Members defragmented (for NOSPACE or fragmentation). */
  defragmentations: number;
  /** History compactions made for NOSPACE. */
  compactions: number;
  /** etcd alarms disarmed. */
  alarms_disarmed: number;
  /** NOSPACE alarms seen (each handling counts once). */
  nospace_alarms: number;
  /** Maintenance calls that failed. */
  maintenance_failures: number;
  /** 1 while etcd has a NOSPACE alarm raised or it is being handled. */
  nospace: number;
}

/** What the maintainer needs. */
export interface MaintainerDeps {
  etcd: EtcdMaintenance;
  /** The cluster now (see `cluster_view.ts`). */
  cluster(): Omit<MaintenanceInput, "alarms">;
  /** A member's sizes right after its defragmentation, for the event; optional. */
  status?(endpoint: string): Promise<{ dbSize: number; dbSizeInUse: number }>;
  /** The audit trail's hook. */
  record(kind: EventKind, reason: string, fields: EventFields): void;
  settings: MaintenanceSettings;
  /** Between two rounds, in ms; default 5000. */
  intervalMs?: number;
  clock?: Clock;
  logger?: Logger;
}

/** Runs maintenance; see the module comment. */
export class Maintainer {
  readonly #deps: MaintainerDeps;
  readonly #clock: Clock;
  readonly #log: Logger;
  #memory: MaintenanceMemory = initialMaintenanceMemory();
  #timer: number | undefined;
  #round: Promise<void> | undefined;
  #stopped = false;
  #lastWhy = "";
  #nospaceRaised = false;
  readonly #counters: Omit<MaintenanceCounters, "nospace"> = {
    defragmentations: 0,
    compactions: 0,
    alarms_disarmed: 0,
    nospace_alarms: 0,
    maintenance_failures: 0,
  };

  constructor(deps: MaintainerDeps) {
    this.#deps = deps;
    this.#clock = deps.clock ?? systemClock;
    this.#log = (deps.logger ?? silentLogger).child({ component: "maintenance" });
  }

  /** The counters for `/stats` and `/metrics`. */
  counters(): MaintenanceCounters {
    const nospace = this.#nospaceRaised || this.#memory.nospace !== undefined ? 1 : 0;
    return { ...this.#counters, nospace };
  }

  /** Starts a round every interval. */
  start(): void {
    if (this.#stopped || this.#timer !== undefined) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      void this.round().finally(() => this.start());
    }, this.#deps.intervalMs ?? 5000);
  }

  /** Stops the rounds and waits for one in progress. Idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#round;
  }

  /** One round now (waits for a round in progress instead of starting another). */
  round(): Promise<void> {
    this.#round ??= this.#run().catch((error) => {
      this.#log.error("maintenance round failed", { error });
    }).finally(() => this.#round = undefined);
    return this.#round;
  }

  async #run(): Promise<void> {
    const d = this.#deps;
    const cluster = d.cluster();
    const endpoints = cluster.members.filter((m) => m.reachable).map((m) => m.clientUrl);
    if (endpoints.length === 0) return;
    d.etcd.setEndpoints(endpoints);
    let alarms: EtcdAlarm[];
    try {
      alarms = await d.etcd.alarms();
    } catch (error) {
      this.#log.debug("cannot list etcd alarms", { error });
      return;
    }
    this.#nospaceRaised = alarms.some((a) => a.alarm === "NOSPACE");
    const members = [...cluster.members];
    for (let i = 0; i < members.length * 2 + 4 && !this.#stopped; i++) {
      const plan = planMaintenance(
        this.#memory,
        { ...cluster, members, alarms },
        this.#clock.now(),
        d.settings,
      );
      this.#memory = plan.memory;
      const action = plan.action;
      if (action.kind === "none") {
        if (action.why !== this.#lastWhy) this.#log.debug("maintenance: nothing to do", action);
        this.#lastWhy = action.why;
        break;
      }
      this.#lastWhy = "";
      let ok = true;
      try {
        const remaining = await this.#perform(action);
        if (remaining !== undefined) alarms = remaining;
      } catch (error) {
        ok = false;
        this.#fail(action, error);
      }
      this.#memory = afterMaintenance(this.#memory, action, ok, this.#clock.now());
      if (!ok || (action.kind === "defrag" && action.cause === "fragmentation")) break;
    }
    this.#nospaceRaised = alarms.some((a) => a.alarm === "NOSPACE");
  }

  /** Makes the call of `action` and records it; a disarm answers with the alarms left. */
  async #perform(action: MaintenanceAction): Promise<EtcdAlarm[] | undefined> {
    const d = this.#deps;
    switch (action.kind) {
      case "nospace":
        this.#counters.nospace_alarms++;
        this.#log.warn("etcd NOSPACE alarm: handling it", { members: action.members.join(",") });
        d.record("nospace.detected", action.reason, { members: action.members.join(",") });
        return;
      case "compact": {
        const revision = await d.etcd.revision();
        const r = await d.etcd.compact(revision);
        this.#counters.compactions++;
        const reason = `${action.reason}: revision ${revision}` +
          (r.alreadyCompacted ? " (already compacted)" : "");
        this.#log.warn(reason);
        d.record("compact", reason, { revision });
        return;
      }
      case "defrag": {
        const m = action.member;
        const started = this.#clock.now();
        await d.etcd.defragment(m.clientUrl);
        this.#counters.defragmentations++;
        const after = await d.status?.(m.clientUrl).catch(() => undefined);
        const fields: EventFields = {
          member: m.name,
          cause: action.cause,
          ms: this.#clock.now() - started,
          ...(m.dbSize === undefined ? {} : { dbSizeBefore: m.dbSize }),
          ...(after === undefined ? {} : { dbSizeAfter: after.dbSize }),
        };
        const reason = after === undefined
          ? action.reason
          : `${action.reason}; db now ${formatBytes(after.dbSize)}`;
        this.#log.info(`defragmented ${m.name}`, fields);
        d.record("defrag", reason, fields);
        return;
      }
      case "disarm": {
        const remaining = await d.etcd.disarm(action.alarm);
        this.#counters.alarms_disarmed++;
        this.#log.warn(`disarmed ${action.alarm.alarm} of ${action.member}`);
        d.record("disarm", action.reason, { member: action.member, alarm: action.alarm.alarm });
        return remaining;
      }
    }
  }

  #fail(action: Exclude<MaintenanceAction, { kind: "none" }>, error: unknown): void {
    this.#counters.maintenance_failures++;
    const what = action.kind === "defrag"
      ? `defragmentation of ${action.member.name}`
      : action.kind === "disarm"
      ? `disarming ${action.alarm.alarm} of ${action.member}`
      : action.kind;
    const detail = error instanceof Error ? error.message : String(error);
    this.#log.warn(`maintenance: ${what} failed`, { error });
    this.#deps.record("maintenance.failed", `${what} failed: ${detail}`, { step: action.kind });
  }
}
