/**
 * Where the proxy learns the running members, each poll costing one small request:
 *
 * - {@linkcode schedulerSource}: `GET <scheduler>/members` (the scheduler's own view, learners
 *   excluded) — the cheapest and the preferred source;
 * - {@linkcode masterSource}: the framework id is resolved by name once with the operator
 *   API's `GET_FRAMEWORKS` (no tasks in it), then each poll reads only that framework's tasks
 *   with `GET /master/tasks?framework_id=…` (paged). It never reads `/master/state`, which
 *   on a large cluster is expensive enough to hurt the master.
 *
 * @module
 */
import type { Logger } from "../lib/log.ts";
import type { LeaderSource } from "../lib/mesos/leader_source.ts";
import { membersFromScheduler, membersFromTasks, type ProxyMember } from "./members.ts";

/** Polled by the proxy for the members to forward to. */
export interface MemberSource {
  /** For log lines: `scheduler http://…` or `master zk://…`. */
  readonly description: string;
  /** The running members now. */
  members(signal?: AbortSignal): Promise<ProxyMember[]>;
}

/** The framework named by `--framework-name` is not registered with the master. */
export class FrameworkNotFoundError extends Error {
  /** The name looked for. */
  readonly frameworkName: string;
  /** The names of the frameworks the master knows. */
  readonly registered: string[];
  /** The master asked. */
  readonly master: string;

  /** Creates the error with a message naming the framework, the master and what is there. */
  constructor(frameworkName: string, master: string, registered: string[]) {
    super(
      `Framework ${
        JSON.stringify(frameworkName)
      } is not registered with the Mesos master ${master} ` +
        `(registered: ${
          registered.length === 0 ? "none" : registered.map((n) => JSON.stringify(n)).join(", ")
        }); check --framework-name and that the etcd-mesos scheduler is running`,
    );
    this.name = "FrameworkNotFoundError";
    this.frameworkName = frameworkName;
    this.master = master;
    this.registered = registered;
  }
}

/** Options shared by the sources. */
export interface SourceOptions {
  /** Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Per-request timeout; default 10 s. */
  timeoutMs?: number;
  logger?: Logger;
}

async function getJson(
  doFetch: typeof fetch,
  url: string,
  init: RequestInit,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<unknown> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const res = await doFetch(url, {
    ...init,
    signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
  }).catch((e) => {
    throw new Error(`Cannot reach ${url}: ${(e as Error).message}`, { cause: e });
  });
  const text = await res.text();
  if (!res.ok) {
    throw new Error(`${init.method ?? "GET"} ${url} answered ${res.status}: ${text.slice(0, 200)}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${url} answered with something that is not JSON: ${text.slice(0, 200)}`);
  }
}

/**
 * Members from the schedulers' admin API (`<url>/members`). With several URLs (a leader and
 * its standbys, which answer an empty list) the one that last answered with members is asked
 * first; the others are asked only when it fails or reports none.
 */
export function schedulerSource(
  urls: string | readonly string[],
  options: SourceOptions = {},
): MemberSource {
  const doFetch = options.fetch ?? fetch;
  const bases = (typeof urls === "string" ? [urls] : [...urls]).map((u) => u.replace(/\/+$/, ""));
  if (bases.length === 0) throw new RangeError("schedulerSource() needs at least one URL");
  let preferred = 0;
  return {
    description: `scheduler ${bases.join(",")}`,
    async members(signal) {
      const errors: string[] = [];
      let answered = false;
      for (let i = 0; i < bases.length; i++) {
        const at = (preferred + i) % bases.length;
        try {
          const members = membersFromScheduler(
            await getJson(
              doFetch,
              `${bases[at]}/members`,
              { headers: { accept: "application/json" } },
              options.timeoutMs ?? 10_000,
              signal,
            ),
          );
          answered = true;
          if (members.length > 0) {
            preferred = at;
            return members;
          }
        } catch (e) {
          if (signal?.aborted) throw e;
          errors.push((e as Error).message);
        }
      }
      if (answered) return [];
      throw new Error(errors.join("; "));
    },
  };
}

/** Options of {@linkcode masterSource}. */
export interface MasterSourceOptions extends SourceOptions {
  /** Tasks per `/master/tasks` page; default 100. */
  pageSize?: number;
  /** Most pages read per poll; default 20. */
  maxPages?: number;
}

interface FrameworkEntry {
  id: string;
  name: string;
  active: boolean;
  registered: number;
}

function field(v: unknown, ...path: string[]): unknown {
  let at = v;
  for (const k of path) {
    if (typeof at !== "object" || at === null) return undefined;
    at = (at as Record<string, unknown>)[k];
  }
  return at;
}

function frameworksOf(body: unknown): FrameworkEntry[] {
  const list = field(body, "get_frameworks", "frameworks");
  if (!Array.isArray(list)) {
    throw new Error(
      `Cannot read the GET_FRAMEWORKS answer ${JSON.stringify(body)?.slice(0, 200)}`,
    );
  }
  const out: FrameworkEntry[] = [];
  for (const f of list) {
    const id = field(f, "framework_info", "id", "value");
    const name = field(f, "framework_info", "name");
    if (typeof id !== "string" || typeof name !== "string") continue;
    const ns = Number(field(f, "registered_time", "nanoseconds") ?? 0);
    out.push({
      id,
      name,
      active: field(f, "active") === true,
      registered: Number.isFinite(ns) ? ns : 0,
    });
  }
  return out;
}

/**
 * Members from the leading master: the framework's id is resolved by name once (again after
 * a poll finds no running member, or when the leader changes), then only its tasks are read.
 *
 * @throws {FrameworkNotFoundError} from `members()` when no framework has that name.
 */
export function masterSource(
  leader: LeaderSource,
  frameworkName: string,
  options: MasterSourceOptions = {},
): MemberSource {
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const pageSize = options.pageSize ?? 100;
  const maxPages = options.maxPages ?? 20;
  let resolved: { master: string; id: string } | undefined;

  async function resolve(master: string, signal?: AbortSignal): Promise<string> {
    const body = await getJson(
      doFetch,
      `${master}api/v1`,
      {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ type: "GET_FRAMEWORKS" }),
      },
      timeoutMs,
      signal,
    );
    const all = frameworksOf(body);
    const mine = all.filter((f) => f.name === frameworkName);
    // Several frameworks may carry the name (an old one failing over): prefer the active,
    // then the most recently registered.
    mine.sort((a, b) => Number(b.active) - Number(a.active) || b.registered - a.registered);
    const best = mine[0];
    if (best === undefined) {
      throw new FrameworkNotFoundError(frameworkName, master, all.map((f) => f.name));
    }
    options.logger?.info("framework found", { framework: frameworkName, frameworkId: best.id });
    resolved = { master, id: best.id };
    return best.id;
  }

  async function tasksOf(master: string, id: string, signal?: AbortSignal): Promise<unknown[]> {
    const tasks: unknown[] = [];
    for (let page = 0; page < maxPages; page++) {
      const q = `framework_id=${encodeURIComponent(id)}&limit=${pageSize}&offset=${
        page * pageSize
      }`;
      const body = await getJson(
        doFetch,
        `${master}master/tasks?${q}`,
        { headers: { accept: "application/json" } },
        timeoutMs,
        signal,
      );
      const list = (body as { tasks?: unknown[] })?.tasks;
      if (!Array.isArray(list)) {
        throw new Error(`Cannot read /master/tasks: ${JSON.stringify(body)?.slice(0, 200)}`);
      }
      tasks.push(...list);
      if (list.length < pageSize) break;
    }
    return tasks;
  }

  return {
    description: `master (framework ${JSON.stringify(frameworkName)})`,
    async members(signal) {
      const url = await leader.current();
      if (url === undefined) throw new Error("No leading Mesos master is known");
      const master = url.href;
      const known = resolved?.master === master ? resolved.id : undefined;
      const id = known ?? await resolve(master, signal);
      const members = membersFromTasks(await tasksOf(master, id, signal));
      // Nothing running under a cached id: the framework may have been replaced; look again.
      if (members.length === 0 && known !== undefined) resolved = undefined;
      return members;
    },
  };
}
