/**
 * A small client of the scheduler's admin API for the launcher and the benchmark: one
 * {@linkcode ClusterSnapshot} from `/healthz`, `/members` and `/stats`, each request with a
 * timeout and its body always consumed.
 *
 * @module
 */
import type { MemberView, Stats } from "../scheduler/core/views.ts";

/** What the scheduler says about its cluster at one moment. */
export interface ClusterSnapshot {
  /** `/healthz` answered 200. */
  healthy: boolean;
  /** `/healthz`'s text (the reason when unhealthy). */
  reason: string;
  members: MemberView[];
  stats: Stats;
}

/** A member that is running, reachable and voting (not a learner). */
export function joined(m: MemberView): boolean {
  return m.taskState === "TASK_RUNNING" && m.healthy && !m.learner && m.memberId !== null;
}

/** True when `s` is a healthy cluster of exactly `size` joined members. */
export function isReady(s: ClusterSnapshot, size: number): boolean {
  return s.healthy && s.members.length === size && s.members.filter(joined).length === size;
}

/** Client URLs of `members`, e.g. `http://127.0.0.1:31000` (`https://` with `tls`). */
export function endpointsOf(members: readonly MemberView[], tls = false): string[] {
  return members.map((m) => `${tls ? "https" : "http"}://${m.host}:${m.clientPort}`);
}

/** The scheduler's admin API at `baseUrl` (e.g. `http://127.0.0.1:23400`). */
export class SchedulerAdmin {
  /** e.g. `http://127.0.0.1:23400` */
  readonly baseUrl: string;
  readonly #timeoutMs: number;

  /** `timeoutMs` bounds every request (default 3000). */
  constructor(baseUrl: string, timeoutMs = 3000) {
    this.baseUrl = baseUrl.replace(/\/$/, "");
    this.#timeoutMs = timeoutMs;
  }

  async #get(path: string): Promise<Response> {
    return await fetch(`${this.baseUrl}${path}`, { signal: AbortSignal.timeout(this.#timeoutMs) });
  }

  async #json<T>(path: string): Promise<T> {
    const res = await this.#get(path);
    if (!res.ok) {
      const body = await res.text();
      throw new Error(`GET ${this.baseUrl}${path}: HTTP ${res.status} ${body.slice(0, 200)}`);
    }
    return await res.json() as T;
  }

  /** `/healthz`: 200 or not, and its text. */
  async health(): Promise<{ healthy: boolean; reason: string }> {
    const res = await this.#get("/healthz");
    const reason = await res.text();
    return { healthy: res.status === 200, reason: reason.trim() };
  }

  /** `/members`. */
  async members(): Promise<MemberView[]> {
    return await this.#json<MemberView[]>("/members");
  }

  /** `/stats`. */
  async stats(): Promise<Stats> {
    return await this.#json<Stats>("/stats");
  }

  /** Health, members and stats, fetched together. */
  async snapshot(): Promise<ClusterSnapshot> {
    const [h, members, stats] = await Promise.all([this.health(), this.members(), this.stats()]);
    return { healthy: h.healthy, reason: h.reason, members, stats };
  }
}
