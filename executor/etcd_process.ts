/**
 * Spawns and watches the etcd child process: keeps the tail of its stderr for failure
 * reports, and stops it gracefully (SIGTERM, a grace period, then SIGKILL).
 *
 * @module
 */

/** How a process ended. */
export interface ExitStatus {
  /** Exit code (128 + signal number when killed by a signal). */
  code: number;
  /** The signal that killed it, e.g. `SIGKILL`, or null. */
  signal: string | null;
}

/** A running etcd. */
export interface EtcdProcess {
  readonly pid: number;
  /** Resolves once the process has exited and its stderr is drained. */
  readonly exited: Promise<ExitStatus>;
  /** The last lines etcd wrote to stderr, joined with `\n`. */
  stderrTail(): string;
  /**
   * SIGTERM, then SIGKILL if still alive after `graceMs`; resolves with the exit status.
   * Safe to call more than once and after exit.
   */
  stop(graceMs: number): Promise<ExitStatus>;
}

/**
 * Starts etcd with `args` (with `binary` instead of the executor's etcd, after a rolling
 * restart to a new one); throws when the binary cannot be started at all.
 */
export type SpawnEtcd = (args: string[], binary?: string) => EtcdProcess;

/** Options of {@linkcode spawnEtcd}. */
export interface SpawnEtcdOptions {
  /** Working directory (the sandbox). */
  cwd?: string;
  /** Lines of stderr kept for {@linkcode EtcdProcess.stderrTail}; default 20. */
  tailLines?: number;
  /** Receives every stderr line (e.g. to copy it to the executor's own stderr). */
  onStderrLine?: (line: string) => void;
}

/** Formats an exit status for humans: `exit code 1` or `signal SIGKILL`. */
export function describeExit(status: ExitStatus): string {
  return status.signal ? `signal ${status.signal}` : `exit code ${status.code}`;
}

/** Keeps the last `max` lines of a text stream. */
export class LineTail {
  #lines: string[] = [];
  #partial = "";
  #max: number;

  /** Keeps at most `max` lines (at least 1). */
  constructor(max: number) {
    this.#max = Math.max(1, Math.floor(max));
  }

  /** Adds text; returns the complete lines it finished. */
  push(text: string): string[] {
    const parts = (this.#partial + text).split("\n");
    this.#partial = parts.pop() ?? "";
    for (const line of parts) this.#add(line);
    return parts;
  }

  /** Flushes an unterminated last line; returns it when there was one. */
  end(): string | undefined {
    if (this.#partial === "") return undefined;
    const line = this.#partial;
    this.#partial = "";
    this.#add(line);
    return line;
  }

  /** The kept lines joined with `\n` (an unterminated last line included). */
  text(): string {
    const lines = this.#partial === "" ? this.#lines : [...this.#lines, this.#partial];
    return lines.slice(-this.#max).join("\n");
  }

  #add(line: string): void {
    this.#lines.push(line.replace(/\r$/, ""));
    if (this.#lines.length > this.#max) this.#lines.shift();
  }
}

/** A SIGKILL for every etcd this process started and has not reaped yet, by pid. */
const running = new Map<number, () => void>();

/**
 * SIGKILLs every etcd this process started that still runs, at once and synchronously
 * (for a process that is about to die); returns their pids.
 */
export function killRunningEtcds(): number[] {
  const pids = [...running.keys()];
  for (const kill of running.values()) kill();
  return pids;
}

/**
 * Makes the etcds this process starts die with it wherever it can: on an uncaught error,
 * an unhandled rejection, and at exit (`unload`, which also follows `Deno.exit`), every
 * etcd still running gets SIGKILL before the process goes. `onKill` hears of each kill
 * (pids and the event name). Returns a function that removes the listeners.
 */
export function killEtcdsOnExit(
  onKill: (pids: number[], event: string) => void = () => {},
): () => void {
  const events = ["error", "unhandledrejection", "unload"] as const;
  const listener: EventListener = (e) => {
    const pids = killRunningEtcds();
    if (pids.length > 0) onKill(pids, e.type);
  };
  // Typed as a plain EventTarget: with the DOM types in a program, globalThis is a Window.
  const target: EventTarget = globalThis;
  for (const name of events) target.addEventListener(name, listener);
  return () => {
    for (const name of events) target.removeEventListener(name, listener);
  };
}

/**
 * Spawns `bin args` with stderr piped (tail kept, lines forwarded) and stdout discarded.
 * The child stays in the executor's process group and session (no `detached`), so an
 * agent that kills the group stops etcd too; see also {@linkcode killEtcdsOnExit}.
 *
 * @throws {Error} from `Deno.Command.spawn` (e.g. `NotFound`) when `bin` cannot be run.
 */
export function spawnEtcd(
  bin: string,
  args: readonly string[],
  options: SpawnEtcdOptions = {},
): EtcdProcess {
  const child = new Deno.Command(bin, {
    args: [...args],
    cwd: options.cwd,
    stdin: "null",
    // With --log-outputs=stderr etcd writes nothing to stdout; not inheriting it means an
    // orphaned etcd never holds the executor's stdout open.
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const tail = new LineTail(options.tailLines ?? 20);
  const onLine = options.onStderrLine ?? (() => {});
  const drained = (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of child.stderr) {
        for (const line of tail.push(decoder.decode(chunk, { stream: true }))) onLine(line);
      }
    } catch {
      // The pipe broke: the process is gone; the status says how.
    }
    const last = tail.end();
    if (last !== undefined) onLine(last);
  })();
  const exited = Promise.all([child.status, drained]).then(([s]) => ({
    code: s.code,
    signal: s.signal ?? null,
  }));
  let done = false;
  exited.then(() => done = true);
  const killNow = () => {
    try {
      child.kill("SIGKILL");
    } catch {
      // Reaped in the meantime.
    }
  };
  running.set(child.pid, killNow);
  child.status.then(() => {
    if (running.get(child.pid) === killNow) running.delete(child.pid);
  });
  let stopping: Promise<ExitStatus> | undefined;

  const signal = (sig: Deno.Signal) => {
    if (done) return;
    try {
      child.kill(sig);
    } catch {
      // Already exited between the check and the kill.
    }
  };

  return {
    pid: child.pid,
    exited,
    stderrTail: () => tail.text(),
    stop(graceMs: number): Promise<ExitStatus> {
      stopping ??= (async () => {
        if (done) return exited;
        signal("SIGTERM");
        let timer: ReturnType<typeof setTimeout> | undefined;
        const graceOver = new Promise<"grace">((resolve) => {
          timer = setTimeout(() => resolve("grace"), Math.max(0, graceMs));
        });
        const first = await Promise.race([exited, graceOver]);
        clearTimeout(timer);
        if (first === "grace") signal("SIGKILL");
        return exited;
      })();
      return stopping;
    },
  };
}
