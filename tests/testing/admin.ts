/**
 * The scheduler's admin API as end-to-end tests use it: every endpoint (`/healthz`,
 * `/stats`, `/members`, `/membership`, `/history`, `/metrics`, `POST /reseed`), each request
 * bounded in time, and waits built on the one {@linkcode until}. Tests assert through these
 * instead of reading the scheduler's log. Test-only.
 *
 * @module
 */
import { until } from "../../lib/until.ts";
import type { HistoryCounters, HistoryView, ReseedRecord } from "../../scheduler/admin/history.ts";
import type { MemberView, Stats } from "../../scheduler/core/views.ts";

/** `/stats` of a scheduler: the core's counters, the history's, and `leader`. */
export type AdminStats = Stats & HistoryCounters & { leader: number };

/** A plain answer: status code and body text. */
export interface AdminAnswer {
  status: number;
  body: string;
}

/** Each request gives up after this long (a frozen or dead scheduler answers nothing). */
const REQUEST_TIMEOUT_MS = 5000;

/** True for a running, reachable voting member. */
export function joined(m: MemberView): boolean {
  return m.taskState === "TASK_RUNNING" && m.healthy && !m.learner;
}

/** The admin API of the scheduler listening on `127.0.0.1:<port>`. */
export class AdminClient {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;

  constructor(readonly port: number) {
    this.url = `http://127.0.0.1:${port}`;
  }

  async #get(path: string): Promise<Response> {
    return await fetch(`${this.url}${path}`, {
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  }

  async #json<T>(path: string): Promise<T> {
    const res = await this.#get(path);
    if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return await res.json() as T;
  }

  /** `/healthz`: status and body. */
  async healthz(): Promise<AdminAnswer> {
    const res = await this.#get("/healthz");
    return { status: res.status, body: await res.text() };
  }

  /** `/healthz` answers 200. */
  async healthy(): Promise<boolean> {
    return (await this.healthz()).status === 200;
  }

  async stats(): Promise<AdminStats> {
    return await this.#json("/stats");
  }

  async members(): Promise<MemberView[]> {
    return await this.#json("/members");
  }

  async membership(): Promise<MemberView[]> {
    return await this.#json("/membership");
  }

  async history(): Promise<HistoryView> {
    return await this.#json("/history");
  }

  /** The last reseed in `/history`, if any. */
  async lastReseed(): Promise<ReseedRecord | undefined> {
    return (await this.history()).reseeds.at(-1);
  }

  /** `/metrics` (Prometheus text). */
  async metrics(): Promise<string> {
    const res = await this.#get("/metrics");
    return await res.text();
  }

  /** `POST /reseed`, with `Authorization: Bearer <token>` when a token is given. */
  async reseed(token?: string): Promise<AdminAnswer> {
    const res = await fetch(`${this.url}/reseed`, {
      method: "POST",
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    return { status: res.status, body: await res.text() };
  }

  /** Waits until `/stats` satisfies `ok`; returns those stats. */
  async waitStats(
    what: string,
    ok: (s: AdminStats) => boolean,
    timeoutMs: number,
  ): Promise<AdminStats> {
    return await until(async () => {
      const s = await this.stats();
      return ok(s) ? s : undefined;
    }, { timeoutMs, what });
  }

  /** Waits until this scheduler holds the leader lock (`/stats` leader 1). */
  async waitLeading(timeoutMs: number): Promise<AdminStats> {
    return await this.waitStats("the scheduler leading", (s) => s.leader === 1, timeoutMs);
  }

  /** Waits until the scheduler is connected and reconciled (`/stats` mutable 1). */
  async waitMutable(timeoutMs: number): Promise<AdminStats> {
    return await this.waitStats("the scheduler reconciled", (s) => s.mutable === 1, timeoutMs);
  }

  /** Waits until `count` reseeds have been carried out and none is running. */
  async waitReseeded(timeoutMs: number, count = 1): Promise<AdminStats> {
    return await this.waitStats(
      `${count} reseed(s) finished`,
      (s) => s.cluster_reseeds >= count && s.reseeding === 0,
      timeoutMs,
    );
  }

  /** Waits until the last reseed in `/history` satisfies `ok`; returns it. */
  async waitReseed(
    what: string,
    ok: (r: ReseedRecord) => boolean,
    timeoutMs: number,
  ): Promise<ReseedRecord> {
    return await until(async () => {
      const r = await this.lastReseed();
      return r !== undefined && ok(r) ? r : undefined;
    }, { timeoutMs, what });
  }

  /**
   * Waits until a probe that started after this call finds the cluster healthy with `n`
   * running, reachable voting members; returns them.
   */
  async waitHealthy(n: number, timeoutMs: number): Promise<MemberView[]> {
    const probes = await this.stats().then((s) => s.probes).catch(() => 0);
    return await until(async () => {
      if ((await this.stats()).probes < probes + 2 || !await this.healthy()) return undefined;
      const ms = await this.members();
      return ms.length === n && ms.filter(joined).length === n ? ms : undefined;
    }, { timeoutMs, what: `a healthy cluster of ${n}` });
  }
}
