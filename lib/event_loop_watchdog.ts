/**
 * A bound on the one wait nothing else can see: the process's own event loop. A library
 * caught in a microtask loop (grpc-js retrying a call on a broken connection did) starves
 * every timer, so no timeout of ours ever fires and the program looks alive while doing
 * nothing. A worker thread, which keeps running, expects a heartbeat from the main thread;
 * when none came for `limitMs` it writes one loud line to stderr and kills the process, so
 * that its supervisor (Marathon for the scheduler) restarts it.
 *
 * @module
 */

/** Options of {@linkcode startEventLoopWatchdog}. */
export interface EventLoopWatchdogOptions {
  /** The program's name in the alarm line. */
  program: string;
  /** How long the main thread may go without a heartbeat; at least 2 s. */
  limitMs: number;
  /** How often the main thread beats; default 1 s. */
  beatMs?: number;
}

/** Stops a watchdog (the worker and the heartbeat). */
export interface EventLoopWatchdog {
  stop(): void;
}

// The worker's code, inline so that compiled and bundled programs carry it. It only reads
// the clock and, past the limit, writes to stderr and kills its own process.
const WORKER_SOURCE = `
let last = Date.now();
let limitMs = Infinity;
let program = "program";
self.onmessage = (e) => {
  if (e.data && typeof e.data.limitMs === "number") {
    limitMs = e.data.limitMs;
    program = e.data.program;
  }
  last = Date.now();
};
setInterval(() => {
  const blocked = Date.now() - last;
  if (blocked < limitMs) return;
  const line = "FATAL " + new Date().toISOString() + " " + program +
    ": event loop blocked for " + Math.round(blocked / 1000) + " s (limit " +
    Math.round(limitMs / 1000) + " s); killing the process so that it is restarted\\n";
  try { Deno.stderr.writeSync(new TextEncoder().encode(line)); } catch { /* nothing left */ }
  try { Deno.kill(Deno.pid, "SIGKILL"); } catch { Deno.exit(70); }
}, 500);
`;

/**
 * Starts the watchdog. Call it only from a program's entry point (`import.meta.main`): it
 * kills the whole process, test runners included.
 */
export function startEventLoopWatchdog(options: EventLoopWatchdogOptions): EventLoopWatchdog {
  if (!(options.limitMs >= 2_000)) {
    throw new RangeError(`event loop watchdog limit ${options.limitMs} ms: expected >= 2000`);
  }
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "text/javascript" }));
  const worker = new Worker(url, { type: "module" });
  worker.postMessage({ limitMs: options.limitMs, program: options.program });
  const beat = setInterval(() => worker.postMessage(0), options.beatMs ?? 1_000);
  // The heartbeat alone must not keep a finished program alive.
  Deno.unrefTimer(beat);
  return {
    stop() {
      clearInterval(beat);
      worker.terminate();
      URL.revokeObjectURL(url);
    },
  };
}
