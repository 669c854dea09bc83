/**
 * Finds processes that belong to a work directory (their working directory is inside it, or
 * their command line names it) from `/proc`: how the launcher checks that stopping left no
 * executor or etcd behind, and kills any that did survive.
 *
 * @module
 */

/** A process found under a work directory. */
export interface FoundProcess {
  pid: number;
  /** Its command line, arguments joined by spaces. */
  command: string;
}

/**
 * Processes whose cwd is inside `dir` or whose command line names it — other than this one
 * and its ancestors (e.g. the `deno task` that started it with `--work-dir <dir>`).
 */
export async function processesUnder(dir: string): Promise<FoundProcess[]> {
  const mine = ancestorsOf(Deno.pid);
  const root = (await Deno.realPath(dir).catch(() => dir)).replace(/\/$/, "");
  const inside = (p: string) => p === root || p.startsWith(root + "/");
  const names = (arg: string) => inside(arg.replace(/^[^/]*=/, "")) || arg.includes(root + "/");
  const found: FoundProcess[] = [];
  for await (const e of Deno.readDir("/proc")) {
    if (!/^[0-9]+$/.test(e.name) || mine.has(Number(e.name))) continue;
    try {
      const argv = (await Deno.readTextFile(`/proc/${e.name}/cmdline`)).split("\0");
      if (argv.at(-1) === "") argv.pop();
      if (argv.length === 0) continue; // a zombie or a kernel thread
      const cwd = await Deno.readLink(`/proc/${e.name}/cwd`).catch(() => "");
      if (inside(cwd) || argv.some(names)) {
        found.push({ pid: Number(e.name), command: argv.join(" ") });
      }
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** SIGKILLs every process in `found`; returns the pids that were still there to kill. */
export function killAll(found: readonly FoundProcess[]): number[] {
  const killed: number[] = [];
  for (const p of found) {
    try {
      Deno.kill(p.pid, "SIGKILL");
      killed.push(p.pid);
    } catch {
      // already gone
    }
  }
  return killed;
}

/** A process identity that survives pid reuse: pid plus its start time (clock ticks). */
export interface ProcessId {
  pid: number;
  /** Field 22 of `/proc/<pid>/stat`. */
  startTime: string;
}

function statOf(pid: number): { ppid: number; state: string; startTime: string } | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // The command name (field 2) may hold spaces and parentheses: split after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0]!, ppid: Number(fields[1]), startTime: fields[19]! };
  } catch {
    return undefined;
  }
}

/** `pid` and its ancestors up to init, from `/proc`. */
export function ancestorsOf(pid: number): Set<number> {
  const out = new Set<number>();
  for (let p = pid; p > 1 && !out.has(p);) {
    out.add(p);
    const s = statOf(p);
    if (!s) break;
    p = s.ppid;
  }
  return out;
}

/** Every living descendant of `pid` (children, their children, …), from `/proc`. */
export function descendantsOf(pid: number): ProcessId[] {
  const children = new Map<number, number[]>();
  const starts = new Map<number, string>();
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^[0-9]+$/.test(e.name)) continue;
    const s = statOf(Number(e.name));
    if (!s || s.state === "Z") continue;
    starts.set(Number(e.name), s.startTime);
    children.set(s.ppid, [...(children.get(s.ppid) ?? []), Number(e.name)]);
  }
  const out: ProcessId[] = [];
  const queue = [...(children.get(pid) ?? [])];
  while (queue.length > 0) {
    const p = queue.shift()!;
    out.push({ pid: p, startTime: starts.get(p)! });
    queue.push(...(children.get(p) ?? []));
  }
  return out;
}

/** True while the process `id` (same pid and start time) exists and is not a zombie. */
export function isAlive(id: ProcessId): boolean {
  const s = statOf(id.pid);
  return s !== undefined && s.state !== "Z" && s.startTime === id.startTime;
}
