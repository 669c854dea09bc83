/**
 * The {@linkcode EtcdMaintenance} of the scheduler over etcd's JSON gateway (gateway.ts,
 * no gRPC): AlarmList and alarm deactivation, the current revision, a physical compaction
 * and per-member defragmentation, each mapped to its etcd call. Calls reach etcd as the
 * admin client's do (endpoints.ts: one transport per endpoint, deadlines, cluster calls
 * trying the next one).
 *
 * @module
 */
import { type Logger, silentLogger } from "../log.ts";
import type { ClusterCallOptions } from "./admin.ts";
import { EtcdAdminError } from "./admin_errors.ts";
import { EtcdEndpoints, type EtcdEndpointsOptions, normalizeEndpoint } from "./endpoints.ts";
import { EtcdGateway } from "./gateway.ts";
import { type GatewayHeader, toBase64 } from "./gateway_json.ts";
import {
  alarmTypeOf,
  type CompactResult,
  type EtcdAlarm,
  type EtcdMaintenance,
} from "./maintenance.ts";

/** Options of {@linkcode createEtcdMaintenanceClient}. */
export interface EtcdMaintenanceOptions {
  /** Client URLs (`http://h:p`) or `host:port`s of members for cluster calls. */
  endpoints: readonly string[];
  /** Deadline of each attempt in ms; default 5000. */
  timeoutMs?: number;
  /** Deadline of a defragmentation (it rewrites the whole backend); default 120000. */
  defragTimeoutMs?: number;
  /** Deadline of a compaction (waited for until physically applied); default 60000. */
  compactTimeoutMs?: number;
  /** Mutual TLS to the members (as the admin client's `tls`); absent: plain http. */
  tls?: EtcdEndpointsOptions["tls"];
  logger?: Logger;
}

/** Enum values of etcd's AlarmRequest. */
const ACTION = { GET: 0, DEACTIVATE: 2 } as const;
const ALARM = { NONE: 0, NOSPACE: 1, CORRUPT: 2 } as const;

/**
 * Creates an {@linkcode EtcdMaintenance} over etcd's JSON gateway. Connections are opened
 * lazily, one transport per endpoint, and released by `close()`.
 *
 * @example
 * ```ts
 * const m = createEtcdMaintenanceClient({ endpoints: ["http://127.0.0.1:2379"] });
 * for (const a of await m.alarms()) await m.disarm(a);
 * m.close();
 * ```
 * @throws {TypeError} naming an endpoint that is not `host:port`.
 * @throws {RangeError} naming a non-positive timeout.
 */
export function createEtcdMaintenanceClient(options: EtcdMaintenanceOptions): EtcdMaintenance {
  return new EtcdMaintenanceClient(options);
}

class EtcdMaintenanceClient implements EtcdMaintenance {
  #endpoints: EtcdEndpoints<EtcdGateway>;
  #defragTimeoutMs: number;
  #compactTimeoutMs: number;

  constructor(options: EtcdMaintenanceOptions) {
    this.#endpoints = new EtcdEndpoints({
      endpoints: options.endpoints,
      timeoutMs: options.timeoutMs ?? 5000,
      logger: options.logger ?? silentLogger,
      ...(options.tls ? { tls: options.tls } : {}),
      connect: (endpoint, tls) => new EtcdGateway(endpoint, tls),
    });
    this.#defragTimeoutMs = options.defragTimeoutMs ?? 120_000;
    this.#compactTimeoutMs = options.compactTimeoutMs ?? 60_000;
  }

  setEndpoints(endpoints: readonly string[]): void {
    this.#endpoints.setEndpoints(endpoints);
  }

  close(): void {
    this.#endpoints.close();
  }

  async alarms(options: ClusterCallOptions = {}): Promise<EtcdAlarm[]> {
    const r = await this.#endpoints.callCluster(
      (g, o) =>
        g.post<AlarmAnswer>("maintenance/alarm", {
          action: ACTION.GET,
          memberID: "0",
          alarm: ALARM.NONE,
        }, o),
      { op: "alarmList", readOnly: true, endpoints: options.endpoints },
    );
    return alarmsOf(r.alarms);
  }

  async disarm(alarm: EtcdAlarm, options: ClusterCallOptions = {}): Promise<EtcdAlarm[]> {
    if (!/^[1-9][0-9]{0,19}$/.test(alarm.memberId)) {
      throw new TypeError(
        `Cannot disarm an alarm of etcd member ${JSON.stringify(alarm.memberId)}: ` +
          "expected a decimal uint64",
      );
    }
    await this.#endpoints.callCluster(
      (g, o) =>
        g.post<AlarmAnswer>("maintenance/alarm", {
          action: ACTION.DEACTIVATE,
          memberID: alarm.memberId,
          alarm: ALARM[alarm.alarm],
        }, o),
      { op: "alarmDisarm", readOnly: false, endpoints: options.endpoints },
    );
    return await this.alarms(options);
  }

  async revision(options: ClusterCallOptions = {}): Promise<string> {
    const r = await this.#endpoints.callCluster(
      (g, o) =>
        g.post<{ header?: GatewayHeader }>(
          "kv/range",
          { key: toBase64("etcd-mesos/revision"), limit: 1, serializable: false },
          o,
        ),
      { op: "revision", readOnly: true, endpoints: options.endpoints },
    );
    return r.header?.revision ?? "0";
  }

  async compact(revision: string, options: ClusterCallOptions = {}): Promise<CompactResult> {
    if (!/^[1-9][0-9]{0,19}$/.test(revision)) {
      throw new TypeError(
        `Cannot compact etcd to revision ${JSON.stringify(revision)}: expected a positive decimal`,
      );
    }
    try {
      await this.#endpoints.callCluster(
        (g, o) => g.post("kv/compaction", { revision, physical: true }, o),
        {
          op: "compact",
          readOnly: false,
          timeoutMs: this.#compactTimeoutMs,
          endpoints: options.endpoints,
        },
      );
      return { revision, alreadyCompacted: false };
    } catch (err) {
      if (err instanceof EtcdAdminError && /has been compacted/i.test(err.message)) {
        return { revision, alreadyCompacted: true };
      }
      throw err;
    }
  }

  async defragment(endpoint: string): Promise<void> {
    const ep = normalizeEndpoint(endpoint);
    await this.#endpoints.call(ep, (g, o) => g.post("maintenance/defragment", {}, o), {
      op: "defragment",
      timeoutMs: this.#defragTimeoutMs,
    });
  }
}

/** maintenance/alarm; `alarm` comes as the enum's name. */
interface AlarmAnswer {
  alarms?: { memberID?: string; alarm?: string | number }[];
}

function alarmsOf(list: AlarmAnswer["alarms"]): EtcdAlarm[] {
  const out: EtcdAlarm[] = [];
  for (const a of list ?? []) {
    const alarm = alarmTypeOf(a.alarm);
    if (alarm !== undefined) out.push({ memberId: a.memberID ?? "0", alarm });
  }
  return out;
}
