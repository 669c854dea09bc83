/**
 * Day-2 operations wired for `main.ts`: the audit trail (kept in ZooKeeper unless the
 * framework is ephemeral), the probes' samples, and etcd maintenance. The admin API serves
 * them from the start; `observe` watches every core step; `lead` loads the stored trail once
 * this scheduler holds the lock; `attach` starts maintenance next to the running shell;
 * `recordEvent` is the hook other features (backups, TLS, rolling restarts) record their
 * decisions with.
 *
 * @module
 */
import type { EtcdAdmin } from "../lib/etcd/admin.ts";
import { createEtcdMaintenanceClient } from "../lib/etcd/maintenance_client.ts";
import type { EtcdEndpointsOptions } from "../lib/etcd/endpoints.ts";
import type { Logger } from "../lib/log.ts";
import type { AdminDeps } from "./admin/handler.ts";
import type { ObservedStep } from "./admin/history.ts";
import { ClusterSamples } from "./admin/samples.ts";
import type { Config } from "./config.ts";
import type { AuditEvent, EventFields, EventKind } from "./events/event.ts";
import { EventLog } from "./events/event_log.ts";
import { createZkEventStore, type ZkEventStore } from "./events/event_store.ts";
import { clusterView } from "./maintenance/cluster_view.ts";
import { Maintainer } from "./maintenance/maintainer.ts";
import { DEFAULT_COOLDOWNS } from "./maintenance/plan.ts";
import type { SchedulerShell } from "./shell.ts";
import type { CertificateEvent, CertificateEvents } from "./tls/certificate_events.ts";

/** The hook other features record a decision with (see `events/event.ts` for the kinds). */
export type RecordEvent = (kind: EventKind, reason: string, fields?: EventFields) => AuditEvent;

/** What `main.ts` holds. */
export interface Operations {
  /** What the admin API serves: `/events`, db sizes and charts, maintenance counters. */
  readonly admin: Pick<AdminDeps, "events" | "samples" | "maintenance">;
  readonly recordEvent: RecordEvent;
  /** Watches one core step (the shell's `onStep`). */
  observe(step: ObservedStep): void;
  /** This scheduler leads: load the stored trail (in the background) and persist from now on. */
  lead(): void;
  /** Records every certificate `source` signs (the ones signed so far first). */
  watchCertificates(source: Pick<CertificateEvents, "onRecord">): void;
  /** Starts maintenance beside the running shell. */
  attach(
    shell: SchedulerShell,
    etcd: { admin: Pick<EtcdAdmin, "status">; tls?: EtcdEndpointsOptions["tls"] },
  ): void;
  /** Stops maintenance and writes what is left of the trail. */
  stop(): Promise<void>;
}

/** Creates the operations of the scheduler configured by `c`. */
export function createOperations(c: Config, deps: { log: Logger }): Operations {
  const log = deps.log;
  const store: ZkEventStore | undefined = c.ephemeral || c.zkFrameworkPersist === undefined
    ? undefined
    : createZkEventStore({ zk: c.zkFrameworkPersist, frameworkName: c.frameworkName, logger: log });
  const events = new EventLog({ ...(store ? { store } : {}), logger: log });
  const samples = new ClusterSamples();
  let maintainer: Maintainer | undefined;
  let closeEtcd = () => {};
  const recordEvent: RecordEvent = (kind, reason, fields) => events.record(kind, reason, fields);
  return {
    admin: {
      events,
      samples,
      maintenance: {
        counters: () =>
          maintainer?.counters() ?? {
            defragmentations: 0,
            compactions: 0,
            alarms_disarmed: 0,
            nospace_alarms: 0,
            maintenance_failures: 0,
            nospace: 0,
          },
      },
    },
    recordEvent,
    observe(step) {
      samples.observe(step);
      events.observe(step);
    },
    watchCertificates(source) {
      source.onRecord((e) => {
        const { kind, reason, fields } = certificateEvent(e);
        recordEvent(kind, reason, fields);
      }, { replay: true });
    },
    lead() {
      if (store === undefined) return;
      void events.load().catch((error) => log.error("cannot load the audit trail", { error }));
    },
    attach(shell, etcd) {
      const client = createEtcdMaintenanceClient({
        endpoints: [],
        logger: log.child({ component: "etcd-maintenance" }),
        ...(etcd.tls ? { tls: etcd.tls } : {}),
      });
      closeEtcd = () => client.close();
      maintainer = new Maintainer({
        etcd: client,
        cluster: () => clusterView(shell.state, samples.latest()),
        status: (endpoint) => etcd.admin.status(endpoint),
        record: recordEvent,
        settings: {
          ...DEFAULT_COOLDOWNS,
          defragThreshold: c.maintenance.defragThreshold,
          defragMinDbBytes: c.maintenance.defragMinDbBytes,
        },
        intervalMs: c.healthIntervalMs,
        logger: log,
      });
      maintainer.start();
    },
    async stop() {
      await maintainer?.stop();
      closeEtcd();
      await events.close();
      await store?.close();
    },
  };
}

/** The audit trail's event of a signed certificate (never the certificate or a key). */
export function certificateEvent(
  e: CertificateEvent,
): { kind: "certificate.issued"; reason: string; fields: EventFields } {
  const until = new Date(e.notAfter).toISOString();
  return {
    kind: "certificate.issued",
    reason: `${e.kind} certificate for ${e.subject}` +
      `${e.requester === undefined ? "" : `, asked by ${e.requester}`}, valid until ${until}`,
    fields: {
      certificate: e.kind,
      subject: e.subject,
      serial: e.serial,
      notAfter: until,
      ...(e.names === undefined ? {} : { names: e.names.join(",") }),
    },
  };
}
