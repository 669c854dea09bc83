/**
 * The two processes of a local cluster, each `deno run -A <module>` in its own process group
 * with its output in a log file: the local Mesos (`lib/localmesos/main.ts`) and the scheduler
 * (`scheduler/main.ts`). Also a poller that gives up when one of them exits or when stopped.
 *
 * @module
 */
import { until } from "../lib/until.ts";
import { type ManagedChild, spawnChild } from "./child.ts";

/** The project root (with a trailing slash). */
export const ROOT: string = new URL("../", import.meta.url).pathname;

/** A child exited while it was still needed; carries the tail of its log. */
export class ChildExitedError extends Error {
  /** The child's name. */
  readonly child: string;
  /** The tail of its log. */
  readonly logTail: string;
  /** Creates the error naming `child`, its exit code and its log file. */
  constructor(child: ManagedChild, status: Deno.CommandStatus, logTail: string) {
    super(
      `${child.name} exited early (code ${status.code}${
        status.signal ? `, ${status.signal}` : ""
      }); its log is ${child.logFile}`,
    );
    this.name = "ChildExitedError";
    this.child = child.name;
    this.logTail = logTail;
  }
}

/** Waiting was aborted (a stop was requested). */
export class StoppedError extends Error {
  /** Names what was being waited for. */
  constructor(what: string) {
    super(`stopped while waiting for ${what}`);
    this.name = "StoppedError";
  }
}

/** Options of {@linkcode pollUntil}. */
export interface PollOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Give up with {@linkcode ChildExitedError} when one of these exits. */
  children?: readonly ManagedChild[];
  /** Give up with {@linkcode StoppedError} when aborted. */
  signal?: AbortSignal;
}

/**
 * Calls `get` every `intervalMs` (default 250) until it returns a value other than undefined
 * (errors count as "not yet"); fails naming `what` after `timeoutMs`. Built on the project's
 * one {@linkcode until}, plus the children and the stop request.
 */
export async function pollUntil<T>(
  what: string,
  get: () => Promise<T | undefined>,
  options: PollOptions,
): Promise<T> {
  const children = options.children ?? [];
  // A child's exit also ends a request that is still waiting for it.
  const exit = Promise.race(children.map((c) => c.exited.then(() => c)));
  const exited = async (c: ManagedChild) =>
    new ChildExitedError(c, await c.exited, await c.logTail());
  try {
    return await until(async () => {
      for (const c of children) if (!c.running) throw await exited(c);
      const v = children.length === 0 ? await get() : await Promise.race([get(), exit]);
      if (children.includes(v as ManagedChild)) throw await exited(v as ManagedChild);
      return v === undefined ? undefined : { v: v as T };
    }, {
      timeoutMs: options.timeoutMs,
      what,
      intervalMs: options.intervalMs ?? 250,
      signal: options.signal,
      stopOn: (e) => e instanceof ChildExitedError,
    }).then((found) => found.v);
  } catch (e) {
    if (options.signal?.aborted) throw new StoppedError(what);
    throw e;
  }
}

/** Options of {@linkcode startLocalMesosProcess}. */
export interface LocalMesosProcessOptions {
  agents: number;
  /** Master port (0: a free one). */
  port: number;
  /** The agents' work directories go under it. */
  workDir: string;
  agentResources?: string;
  logFile: string;
  /** How long to wait for the master and every agent (default 60 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** A running local Mesos process. */
export interface LocalMesosProcess {
  child: ManagedChild;
  /** What the scheduler's `--master` should be, e.g. `http://127.0.0.1:5050`. */
  masterSpec: string;
}

/** Starts `deno run -A lib/localmesos/main.ts` and waits until its master and agents are up. */
export async function startLocalMesosProcess(
  options: LocalMesosProcessOptions,
): Promise<LocalMesosProcess> {
  let masterSpec: string | undefined;
  const child = spawnChild(Deno.execPath(), {
    name: "local Mesos",
    args: [
      "run",
      "-A",
      `${ROOT}lib/localmesos/main.ts`,
      "--masters",
      "1",
      "--agents",
      String(options.agents),
      "--port",
      String(options.port),
      "--work-dir",
      options.workDir,
      ...(options.agentResources ? ["--agent-resources", options.agentResources] : []),
    ],
    logFile: options.logFile,
    onStdoutLine: (line) => {
      const m = /^master spec for schedulers: (\S+)/.exec(line);
      if (m) masterSpec = m[1];
    },
  });
  try {
    const spec = await pollUntil(
      "the local Mesos master and agents",
      () => Promise.resolve(masterSpec),
      {
        timeoutMs: options.timeoutMs ?? 60_000,
        intervalMs: 100,
        children: [child],
        signal: options.signal,
      },
    );
    return { child, masterSpec: spec };
  } catch (e) {
    await child.stop(5000);
    throw e;
  }
}

/** Starts `deno run -A scheduler/main.ts <args>` with its output in `logFile`. */
export function startSchedulerProcess(args: readonly string[], logFile: string): ManagedChild {
  return spawnChild(Deno.execPath(), {
    name: "scheduler",
    args: ["run", "-A", `${ROOT}scheduler/main.ts`, ...args],
    logFile,
  });
}
