/**
 * Waits for an etcd member to answer `GET /health` on its client URL with
 * `{"health":"true"}` (a member that has a leader and can serve a read through raft;
 * etcd 3.4 learners answer it too once they follow the leader).
 *
 * @module
 */
import { type Clock, systemClock } from "../lib/clock.ts";

/** The outcome of one health probe. */
export interface HealthProbe {
  healthy: boolean;
  /** Why not, for logs (`connection refused`, `HTTP 503`, `{"health":"false"}`). */
  detail: string;
}

/** Options of {@linkcode checkEtcdHealth} and {@linkcode waitForEtcdHealthy}. */
export interface HealthOptions {
  /** Injected fetch; default the global one. */
  fetch?: typeof fetch;
  /** Injected clock for the poll interval and request timeout; default the system clock. */
  clock?: Clock;
  /** Per-request timeout in ms; default 2000. */
  requestTimeoutMs?: number;
  /** Pause between probes in ms; default 100 (a member that starts is reported without delay). */
  intervalMs?: number;
  /** Stops waiting (the promise then resolves false). */
  signal?: AbortSignal;
  /** Called with each failed probe (e.g. to log the latest reason). */
  onProbe?: (probe: HealthProbe) => void;
}

/** Probes `GET <clientUrl>/health` once. Never throws. */
export async function checkEtcdHealth(
  clientUrl: string,
  options: HealthOptions = {},
): Promise<HealthProbe> {
  const doFetch = options.fetch ?? fetch;
  const clock = options.clock ?? systemClock;
  const controller = new AbortController();
  const timer = clock.setTimeout(() => controller.abort(), options.requestTimeoutMs ?? 2000);
  const abortOuter = () => controller.abort();
  options.signal?.addEventListener("abort", abortOuter, { once: true });
  try {
    const res = await doFetch(`${clientUrl.replace(/\/+$/, "")}/health`, {
      signal: controller.signal,
    });
    const text = await res.text();
    if (!res.ok) return { healthy: false, detail: `HTTP ${res.status} ${text.trim()}`.trim() };
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return { healthy: false, detail: `unreadable /health answer ${JSON.stringify(text)}` };
    }
    const health = (body as { health?: unknown } | null)?.health;
    return health === "true" || health === true
      ? { healthy: true, detail: "healthy" }
      : { healthy: false, detail: text.trim() };
  } catch (err) {
    return {
      healthy: false,
      detail: controller.signal.aborted ? "no answer in time" : String(err),
    };
  } finally {
    clock.clearTimeout(timer);
    options.signal?.removeEventListener("abort", abortOuter);
  }
}

/**
 * Polls {@linkcode checkEtcdHealth} until the member is healthy (resolves true) or
 * `signal` aborts (resolves false). There is no deadline of its own: the caller decides
 * how long to wait (and aborts when etcd exits).
 */
export async function waitForEtcdHealthy(
  clientUrl: string,
  options: HealthOptions = {},
): Promise<boolean> {
  const clock = options.clock ?? systemClock;
  const interval = options.intervalMs ?? 100;
  while (!options.signal?.aborted) {
    const probe = await checkEtcdHealth(clientUrl, options);
    if (probe.healthy) return !options.signal?.aborted;
    options.onProbe?.(probe);
    if (options.signal?.aborted) break;
    await pause(clock, interval, options.signal);
  }
  return false;
}

function pause(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clock.clearTimeout(id);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const id = clock.setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
