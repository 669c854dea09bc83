/**
 * The admin HTTP API as one `(Request) => Promise<Response>` function, with its state
 * getters and the reseed callback injected (tested in-process, served by `Deno.serve`).
 *
 * | path | method | response |
 * |---|---|---|
 * | `/healthz` | GET | 200 `cluster is healthy` / 503 with the reason; a standby: 200 `standby: …` |
 * | `/stats` | GET | JSON counters (the core's and the history's), and `leader`: 1 while this scheduler leads, 0 as a standby |
 * | `/members`, `/membership` | GET | JSON array of members |
| `/history` | GET | JSON: every reseed (ranking, orders, seeds, kills) and the last kills with their reasons |
 * | `/metrics` | GET | Prometheus text |
 * | `/events` | GET | JSON: the audit trail, oldest first (`?kind=reseed&after=SEQ&limit=N`) |
 * | `/charts/raft-index.svg`, `/charts/db-size.svg` | GET | SVG: each member over the last hour |
 * | `/` | GET | status page |
 * | `/reseed` | POST | 202 `reseeding: <decision>` / 409 `reseed refused: <reason>` (token; 503 on a standby) |
 * | `/ca.pem` | GET | the framework's CA certificate (public; 404 without `--tls`) |
 * | `/certificates` | POST | a client certificate (PEM) for the CSR (PEM) in the body: clientAuth only, `?days=N` at most 30 (token) |
 * | `/backups` | GET, POST | the backups (JSON), or take one now (token); see backup_routes.ts |
 * | `/cluster-size` | POST | `{"size": N}` (odd, 1..9): 202 resizing one member at a time / 409 / 400 naming the value (token) |
 * | `/rolling-restart` | GET, POST | the run (JSON), or `{"etcdUri"?, "flags"?}`: restart every member in place with that etcd, the leader last: 202 / 409 / 400 naming the value (token) |
 * | `/volumes` | GET | the members' persistent volumes: agent, persistence id, relaunches, `running`/`starting`/`waiting`, `replaceAt` |
 * | `/members/<name>/replace` | POST | replace a member elsewhere, giving up its persistent volume: 202 / 409 / 400 naming the name (token) |
 * | `/restore` | POST | `{"backup": ID, "force": false}`: restore every member from it (token) |
 * | `/certificates/proxy` | POST | the same for the proxy: serverAuth and clientAuth with the names its CSR asks for (token) |
 *
 * Every method but GET and HEAD mutates and needs the Bearer token (compared in constant
 * time): 401 without or with a wrong one, 403 when none is set. Wrong method → 405 with
 * `Allow`; unknown path → 404; a body over the limit → 413.
 *
 * @module
 */
import { type ReplaceAnswer, replacePathName, replaceRoute } from "./replace_route.ts";
import { type ResizeAnswer, resizeRoute } from "./resize_route.ts";
import { type RollingRestartAnswer, rollingRestartRoute } from "./rolling_restart_route.ts";
import type { EtcdSpec } from "../../contract/etcd_spec.ts";
import { type Logger, silentLogger } from "../../lib/log.ts";
import type { HealthView, MemberView, Stats, VolumeView } from "../core/views.ts";
import type { AuditEvent } from "../events/event.ts";
import type { EventFilter } from "../events/event_log.ts";
import type { MaintenanceCounters } from "../maintenance/maintainer.ts";
import { type ChartName, chartSvg } from "./charts.ts";
import type { HistoryCounters, HistoryView } from "./history.ts";
import { type LatestMeasure, type Sample, withMeasures } from "./samples.ts";
import { formatMetrics, METRICS_CONTENT_TYPE } from "./metrics.ts";
import { statusPage } from "./page.ts";
import { bearerToken, tokensEqual } from "./token.ts";
import { type AdminBackups, backupRoutes } from "./backup_routes.ts";
import { formatBackupMetrics } from "./backup_metrics.ts";

/** What the admin API reads and calls. */
export interface AdminDeps {
  stats(): Stats;
  members(): MemberView[];
  health(): HealthView;
  /**
   * While another scheduler holds the leader lock, what to say about it (e.g. `leader is
   * host:23400`); undefined while this one leads. Absent: always the leader. A standby is
   * healthy (so Marathon keeps it) and serves no cluster state of its own.
   */
  standby?(): string | undefined;
  /**
   * Asks the core for a reseed (the shell feeds `admin{reseed}` to it) and returns its
   * decision: accepted → 202 with what it decided, refused → 409 with the reason. Returning
   * nothing counts as accepted.
   */
  requestReseed(): ReseedAnswer | void | Promise<ReseedAnswer | void>;
  /** The members' persistent volumes (`GET /volumes`); absent: an empty list. */
  volumes?: () => VolumeView[];
  /** An operator's member replace (`POST /members/<name>/replace`); absent: 503. */
  requestReplace?: (name: string) => ReplaceAnswer | Promise<ReplaceAnswer>;
  /** An operator's resize (`POST /cluster-size`); absent: 503 until the scheduler runs. */
  requestResize?: (size: number) => ResizeAnswer | Promise<ResizeAnswer>;
  /** An operator's rolling restart (`POST /rolling-restart`); absent: 503 until it runs. */
  requestRollingRestart?: (
    spec: EtcdSpec,
  ) => RollingRestartAnswer | Promise<RollingRestartAnswer>;
  /** The core's rolling-restart state (plain data) for `GET /rolling-restart`. */
  rollingRestartView?: () => unknown;
  /**
   * What the scheduler has done (see `history.ts`): served on `/history`, its counters added
   * to `/stats` and `/metrics`. Absent: `/history` is empty and `/stats` has the core's only.
   */
  history?: { view(): HistoryView; counters(): HistoryCounters };
  /** The audit trail (see `events/event_log.ts`), served on `/events`; absent: empty. */
  events?: { list(filter?: EventFilter): AuditEvent[] };
  /** The probes' measurements (`samples.ts`): db sizes on `/members` and `/metrics`, charts. */
  samples?: { latest(): ReadonlyMap<string, LatestMeasure>; samples(): Sample[] };
  /** Maintenance's counters (`maintenance/maintainer.ts`), added to `/stats` and `/metrics`. */
  maintenance?: { counters(): MaintenanceCounters };
  /** The clock of the charts; default `Date.now`. */
  now?: () => number;
  /** The token every POST requires; when unset, they are disabled (403). */
  token?: string;
  /** The framework's CA and what it signs on request; absent without `--tls`. */
  tls?: AdminTls;
  /** Backups and restores (`/backups`, `/restore`); absent without `--backup-store`. */
  backups?: AdminBackups;
  /** Shown on the status page; default `etcd`. */
  frameworkName?: string;
  /** Largest accepted request body in bytes; default 4096. */
  maxBodyBytes?: number;
  logger?: Logger;
}

/** What the admin API offers under `--tls`. */
export interface AdminTls {
  /** The CA certificate (PEM). */
  caPem(): string;
  /**
   * Signs the CSR (PEM): a client certificate, or the proxy's.
   *
   * @throws {TypeError} saying what is wrong with the CSR (answered 400).
   */
  sign(request: {
    kind: "client" | "proxy";
    csr: string;
    validityMs?: number;
    requester: string;
  }): Promise<{ pem: string }>;
  /** The certificates signed, for `/history`. */
  events(): unknown[];
}

/** The core's decision on a reseed request. */
export interface ReseedAnswer {
  accepted: boolean;
  /** What was decided, or why it was refused. */
  message: string;
}

const TEXT = "text/plain; charset=utf-8";

function text(body: string, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(body, {
    status,
    headers: { "content-type": TEXT, "cache-control": "no-store", ...headers },
  });
}

function json(value: unknown): Response {
  return new Response(JSON.stringify(value), {
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });
}

/** Reads at most `limit` bytes of the body; `undefined` when it is longer. */
async function readCapped(req: Request, limit: number): Promise<Uint8Array | undefined> {
  if (req.body === null) return new Uint8Array();
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

type Route = {
  methods: string[];
  handle: (req: Request, body: Uint8Array) => Response | Promise<Response>;
};

/** Builds the admin request handler. */
export function createAdminHandler(deps: AdminDeps): (req: Request) => Promise<Response> {
  const log = deps.logger ?? silentLogger;
  const limit = deps.maxBodyBytes ?? 4096;
  const page = statusPage(deps.frameworkName ?? "etcd");
  const GET = ["GET", "HEAD"];

  /** Every mutating request: the token, compared in constant time; `undefined` when allowed. */
  const refused = (req: Request, path: string): Response | undefined => {
    if (deps.token === undefined || deps.token === "") {
      return text(
        `${req.method} ${path} disabled: start the scheduler with --admin-token or --admin-token-file`,
        403,
      );
    }
    const presented = bearerToken(req);
    if (presented === undefined || !tokensEqual(presented, deps.token)) {
      log.warn(`admin: ${req.method} ${path} refused`, {
        reason: presented === undefined ? "no token" : "wrong token",
      });
      return text("unauthorized", 401, { "www-authenticate": 'Bearer realm="etcd-mesos"' });
    }
    return undefined;
  };

  const sign = (kind: "client" | "proxy") => async (req: Request, body: Uint8Array) => {
    const tls = deps.tls;
    if (tls === undefined) return text("no certificates: the scheduler runs without --tls", 404);
    const days = new URL(req.url).searchParams.get("days");
    if (days !== null && !/^[0-9]+$/.test(days)) {
      return text(`Cannot use days ${JSON.stringify(days)}: expected a whole number 1..30`, 400);
    }
    try {
      const signed = await tls.sign({
        kind,
        csr: new TextDecoder().decode(body),
        ...(days !== null ? { validityMs: Number(days) * 86_400_000 } : {}),
        requester: `admin API (${kind})`,
      });
      return new Response(signed.pem, {
        headers: { "content-type": "application/x-pem-file", "cache-control": "no-store" },
      });
    } catch (error) {
      if (!(error instanceof TypeError || error instanceof RangeError)) throw error;
      return text(error.message, 400);
    }
  };

  const reseed = async (): Promise<Response> => {
    const standby = deps.standby?.();
    if (standby !== undefined) return text(`standby: ${standby}; ask the leader`, 503);
    log.warn("admin: reseed requested");
    const answer = await deps.requestReseed();
    if (answer === undefined) return text("reseeding", 202);
    log.warn(`admin: reseed ${answer.accepted ? "accepted" : "refused"}`, {
      reason: answer.message,
    });
    return answer.accepted
      ? text(`reseeding: ${answer.message}`, 202)
      : text(`reseed refused: ${answer.message}`, 409);
  };

  const backupMetricsText = () => deps.backups ? formatBackupMetrics(deps.backups.metrics()) : "";

  /** The stats with the history's and maintenance's counters and `leader` (1 unless standing by). */
  const stats = (): Stats & Partial<HistoryCounters & MaintenanceCounters> & { leader: 0 | 1 } => ({
    ...deps.stats(),
    ...deps.history?.counters(),
    ...deps.maintenance?.counters(),
    leader: deps.standby?.() === undefined ? 1 : 0,
  });

  /** The members with their latest db sizes. */
  const members = () => withMeasures(deps.members(), deps.samples?.latest());

  const events = (req: Request): Response => {
    const q = new URL(req.url).searchParams;
    const filter: EventFilter = {};
    for (const key of ["after", "limit"] as const) {
      const v = q.get(key);
      if (v === null) continue;
      if (!/^[0-9]{1,15}$/.test(v)) {
        return text(`Cannot use ${key} ${JSON.stringify(v)}: expected a whole number`, 400);
      }
      filter[key] = Number(v);
    }
    const kind = q.get("kind");
    if (kind !== null) filter.kind = kind;
    return json(deps.events?.list(filter) ?? []);
  };

  const chart = (name: ChartName) => () =>
    new Response(chartSvg(name, deps.samples?.samples() ?? [], (deps.now ?? Date.now)()), {
      headers: { "content-type": "image/svg+xml; charset=utf-8", "cache-control": "no-store" },
    });

  const routes: Record<string, Route> = {
    "/healthz": {
      methods: GET,
      handle: () => {
        const standby = deps.standby?.();
        if (standby !== undefined) return text(`standby: ${standby}`);
        const h = deps.health();
        return h.healthy
          ? text("cluster is healthy")
          : text(`cluster not healthy: ${h.reason}`, 503);
      },
    },
    "/stats": { methods: GET, handle: () => json(stats()) },
    "/members": { methods: GET, handle: () => json(members()) },
    "/membership": { methods: GET, handle: () => json(members()) },
    "/volumes": { methods: GET, handle: () => json(deps.volumes?.() ?? []) },
    "/events": { methods: GET, handle: events },
    "/charts/raft-index.svg": { methods: GET, handle: chart("raft-index.svg") },
    "/charts/db-size.svg": { methods: GET, handle: chart("db-size.svg") },
    "/history": {
      methods: GET,
      handle: () =>
        json({
          ...(deps.history?.view() ?? { reseeds: [], kills: [] }),
          ...(deps.tls ? { certificates: deps.tls.events() } : {}),
        }),
    },
    "/metrics": {
      methods: GET,
      handle: () =>
        text(formatMetrics(stats(), members()) + backupMetricsText(), 200, {
          "content-type": METRICS_CONTENT_TYPE,
        }),
    },
    "/": {
      methods: GET,
      handle: () =>
        new Response(page, {
          headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
        }),
    },
    "/reseed": { methods: ["POST"], handle: reseed },
    "/cluster-size": resizeRoute(deps.requestResize, () => deps.standby?.(), log),
    "/rolling-restart": rollingRestartRoute({
      request: deps.requestRollingRestart,
      view: deps.rollingRestartView,
      standby: () => deps.standby?.(),
      log,
    }),
    "/ca.pem": {
      methods: GET,
      handle: () =>
        deps.tls
          ? new Response(deps.tls.caPem(), {
            headers: { "content-type": "application/x-pem-file" },
          })
          : text("no CA: the scheduler runs without --tls", 404),
    },
    "/certificates": { methods: ["POST"], handle: sign("client") },
    "/certificates/proxy": { methods: ["POST"], handle: sign("proxy") },
    ...backupRoutes(deps.backups, () => deps.standby?.(), log),
  };

  return async (req: Request): Promise<Response> => {
    const path = new URL(req.url).pathname;
    const route = Object.hasOwn(routes, path)
      ? routes[path]
      : replacePathName(path) !== undefined
      ? replaceRoute(deps.requestReplace, () => deps.standby?.(), log)
      : undefined;
    if (route === undefined) {
      await req.body?.cancel();
      return text(`not found: ${path}`, 404);
    }
    if (!route.methods.includes(req.method)) {
      await req.body?.cancel();
      return text(`method ${req.method} not allowed on ${path}`, 405, {
        allow: route.methods.join(", "),
      });
    }
    const declared = Number(req.headers.get("content-length") ?? "0");
    const body = declared > limit ? undefined : await readCapped(req, limit);
    if (body === undefined) {
      await req.body?.cancel().catch(() => {});
      return text(`request body over ${limit} bytes`, 413);
    }
    if (!GET.includes(req.method)) {
      const no = refused(req, path);
      if (no !== undefined) return no;
    }
    const res = await route.handle(req, body);
    return req.method === "HEAD"
      ? new Response(null, { status: res.status, headers: res.headers })
      : res;
  };
}
