/**
 * Support for end-to-end scheduler tests: the scheduler as a separate process with its log in
 * a file, its admin API, polling with timeouts, and finding this test's etcd processes.
 * Test-only.
 *
 * @module
 */
import { Etcd3 } from "etcd3";
import type { Logger } from "../lib/log.ts";
import type { MemberView, Stats } from "../scheduler/core/views.ts";

const ROOT = new URL("..", import.meta.url).pathname;

/** Polls `get` every 250 ms until it returns a value (not undefined); fails naming `what`. */
export async function until<T>(
  what: string,
  timeoutMs: number,
  get: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await get();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: last });
    }
    await new Promise((r) => setTimeout(r, 250));
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
    const args = await Deno.readTextFile(`/proc/${pid}/cmdline`).catch(() => "");
    if (new RegExp(`--listen-client-urls=http://[^\\0]*:${port}\\0`).test(args)) out.push(pid);
  }
  return out;
}

/** Each member's etcd pids, by member name (to prove no etcd was restarted). */
export async function pidsByMember(
  work: string,
  members: MemberView[],
): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const m of members) out[m.name] = await etcdPids(work, m.clientPort);
  return out;
}

/** The scheduler's admin API. */
export class AdminApi {
  readonly #base: string;
  constructor(port: number) {
    this.#base = `http://127.0.0.1:${port}`;
  }
  /** `/healthz` status and body. */
  async healthz(): Promise<{ status: number; body: string }> {
    const res = await fetch(`${this.#base}/healthz`);
    return { status: res.status, body: await res.text() };
  }
  async healthy(): Promise<boolean> {
    const res = await fetch(`${this.#base}/healthz`);
    await res.body?.cancel();
    return res.status === 200;
  }
  async members(): Promise<MemberView[]> {
    return await (await fetch(`${this.#base}/members`)).json();
  }
  /** `/stats`, with `leader` (1 while this scheduler holds the leader lock, 0 as a standby). */
  async stats(): Promise<Stats & { leader: number }> {
    return await (await fetch(`${this.#base}/stats`)).json();
  }
  /**
   * Waits until a probe that started after this call finds the cluster healthy with `n`
   * running, reachable voting members; returns them.
   */
  async waitHealthy(n: number, timeoutMs: number): Promise<MemberView[]> {
    const probes = await this.stats().then((s) => s.probes).catch(() => 0);
    return await until(`a healthy cluster of ${n}`, timeoutMs, async () => {
      if ((await this.stats()).probes < probes + 2 || !await this.healthy()) return undefined;
      const ms = await this.members();
      const good = ms.filter((m) => m.taskState === "TASK_RUNNING" && m.healthy && !m.learner);
      return ms.length === n && good.length === n ? ms : undefined;
    });
  }
}

/** Client URLs of `members`. */
export function endpointsOf(members: readonly MemberView[]): string[] {
  return members.map((m) => `http://${m.host}:${m.clientPort}`);
}

/** Writes `key` through the cluster. */
export async function writeKey(endpoints: string[], key: string, value: string): Promise<void> {
  const client = new Etcd3({ hosts: endpoints, dialTimeout: 3000 });
  try {
    await client.put(key).value(value);
  } finally {
    client.close();
  }
}

/** Reads `key` (a quorum read) through the cluster. */
export async function readKey(endpoints: string[], key: string): Promise<string | null> {
  const client = new Etcd3({ hosts: endpoints, dialTimeout: 3000 });
  try {
    return await client.get(key).string();
  } finally {
    client.close();
  }
}

/** A logger of step timings: `mark("what")` logs the time since the previous mark. */
export function stepTimer(log: Logger): (what: string) => void {
  const t0 = Date.now();
  let last = t0;
  return (what) => {
    const now = Date.now();
    log.info(what, { stepMs: now - last, totalMs: now - t0 });
    last = now;
  };
}

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

/** `deno run -A scheduler/main.ts <args>` with stderr appended to `logFile`. */
export class SchedulerProcess {
  readonly #child: Deno.ChildProcess;
  readonly #piping: Promise<void>;

  constructor(args: readonly string[], logFile: string) {
    this.#child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${ROOT}scheduler/main.ts`, ...args],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    this.#piping = appendToLog(this.#child.stderr, logFile);
  }

  /** The process id. */
  get pid(): number {
    return this.#child.pid;
  }

  /** `kill -9`: no cleanup at all (its ZooKeeper sessions expire, its stream just breaks). */
  async kill(): Promise<number> {
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // already gone
    }
    const status = await this.#child.status;
    await this.#piping;
    return status.signal === "SIGKILL" ? 137 : status.code;
  }

  /** Resolves with the exit code when the process ends by itself. */
  get exited(): Promise<number> {
    return this.#child.status.then((s) => s.code);
  }

  /** SIGTERM, then the exit code once the process and its log are done. */
  async stop(): Promise<number> {
    try {
      this.#child.kill("SIGTERM");
    } catch {
      // already gone
    }
    const status = await this.#child.status;
    await this.#piping;
    return status.code;
  }
}
