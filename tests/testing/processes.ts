/**
 * Processes of an end-to-end test: programs of this repository run as child processes with
 * their output appended to a log file, and the etcd processes of a test found in `/proc`.
 * Test-only.
 *
 * @module
 */
import type { MemberView } from "../../scheduler/core/views.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

/**
 * Appends a child's output to `logFile` chunk by chunk, so the log can be read while the
 * process runs (`pipeTo(file.writable)` holds everything back until the process ends).
 */
export async function appendToLog(
  stream: ReadableStream<Uint8Array>,
  logFile: string,
): Promise<void> {
  const file = Deno.openSync(logFile, { write: true, create: true, append: true });
  try {
    for await (const chunk of stream) {
      let rest = chunk;
      while (rest.length > 0) rest = rest.subarray(file.writeSync(rest));
    }
  } catch {
    // the process is gone
  } finally {
    file.close();
  }
}

function inspectFlag(): string[] {
  return Deno.env.get("ETCD_MESOS_INSPECT") === "1" ? ["--inspect=127.0.0.1:0"] : [];
}

/** `deno run -A <entry> <args>` of this repository, stderr appended to `logFile`. */
export class ProgramProcess {
  readonly logFile: string;
  readonly #child: Deno.ChildProcess;
  readonly #piping: Promise<void>;
  #ended = false;

  /** `entry` is relative to the repository root, e.g. `scheduler/main.ts`. */
  constructor(entry: string, args: readonly string[], logFile: string) {
    this.logFile = logFile;
    this.#child = new Deno.Command(Deno.execPath(), {
      // ETCD_MESOS_INSPECT=1: each program listens for a debugger (its URL is in the log), to
      // pause a process that hangs and read its stack.
      args: ["run", "-A", ...inspectFlag(), `${ROOT}${entry}`, ...args],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    this.#piping = appendToLog(this.#child.stderr, logFile);
    this.#child.status.then(() => this.#ended = true);
  }

  /** The process id. */
  get pid(): number {
    return this.#child.pid;
  }

  /** False once the process has ended. */
  get running(): boolean {
    return !this.#ended;
  }

  /** Resolves with the exit code when the process ends by itself. */
  get exited(): Promise<number> {
    return this.#child.status.then((s) => s.code);
  }

  /** `kill -9`: no cleanup at all. Resolves with 137 (or the code if it had exited). */
  async kill(): Promise<number> {
    return await this.#signal("SIGKILL");
  }

  /** SIGTERM, then the exit code once the process and its log are done. */
  async stop(): Promise<number> {
    return await this.#signal("SIGTERM");
  }

  async #signal(signal: Deno.Signal): Promise<number> {
    try {
      this.#child.kill(signal);
    } catch {
      // already gone
    }
    const status = await this.#child.status;
    await this.#piping;
    return status.signal === "SIGKILL" ? 137 : status.code;
  }

  /** The log so far. */
  async logText(): Promise<string> {
    return await Deno.readTextFile(this.logFile).catch(() => "");
  }
}

/** Pids of processes running `program` whose command line mentions `needle` (from /proc). */
export async function pidsMentioning(needle: string, program: string): Promise<number[]> {
  const pids: number[] = [];
  for await (const e of Deno.readDir("/proc")) {
    if (!/^[0-9]+$/.test(e.name)) continue;
    try {
      const argv = (await Deno.readTextFile(`/proc/${e.name}/cmdline`)).split("\0");
      const exe = argv[0] ?? "";
      if (exe.slice(exe.lastIndexOf("/") + 1) === program && argv.some((a) => a.includes(needle))) {
        pids.push(Number(e.name));
      }
    } catch {
      // the process is gone
    }
  }
  return pids;
}

/** Pids of the etcd processes under `work` listening on client port `port`. */
export async function etcdPids(work: string, port: number): Promise<number[]> {
  const out: number[] = [];
  for (const pid of await pidsMentioning(work, "etcd")) {
    const argv = (await Deno.readTextFile(`/proc/${pid}/cmdline`).catch(() => "")).split("\0");
    if (argv.some((a) => a.startsWith("--listen-client-urls=") && a.endsWith(`:${port}`))) {
      out.push(pid);
    }
  }
  return out;
}

/** Each member's etcd pids, by member name (to prove no etcd was restarted). */
export async function pidsByMember(
  work: string,
  members: readonly MemberView[],
): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const m of members) out[m.name] = await etcdPids(work, m.clientPort);
  return out;
}
