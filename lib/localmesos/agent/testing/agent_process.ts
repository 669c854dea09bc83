/**
 * A local agent in a process of its own (`deno run lib/localmesos/main.ts --masters 0
 * --agents 1`), for faults an in-process agent cannot suffer: SIGSTOP (the agent stops
 * pinging and answering while its executors and their etcd keep running, as when a real
 * agent hangs) and SIGCONT. Also finds an executor's own process (the container leader, not
 * its etcd) from /proc. Test-only.
 *
 * @module
 */

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** Options of {@linkcode startAgentProcess}. */
export interface AgentProcessOptions {
  /** Where the agent finds the master: `host:port`, `http://…` or `zk://…`. */
  master: string;
  /** The agent's work directory (sandboxes go under it). */
  workDir: string;
  /** Its Mesos resource string, used as is (give each agent its own port range). */
  resources: string;
  /** The child's stderr (its log) is appended here. */
  logFile: string;
  /** Longest wait for the agent to register (ms); default 60000. */
  registerTimeoutMs?: number;
}

/** A running agent process. */
export interface AgentProcess {
  /** The agent id the master gave it. */
  readonly id: string;
  /** `http://ip:port` of the agent. */
  readonly url: string;
  readonly pid: number;
  /** SIGSTOP: the agent freezes; its executors and their children keep running. */
  freeze(): void;
  /** SIGCONT. */
  resume(): void;
  /**
   * SIGTERM (after SIGCONT): the agent kills its executors and exits; resolves with the exit
   * code. SIGKILL after `graceMs` (default 15000) if it has not exited.
   */
  stop(graceMs?: number): Promise<number>;
}

/** Starts an agent process and resolves once it has registered with the master. */
export async function startAgentProcess(options: AgentProcessOptions): Promise<AgentProcess> {
  await Deno.mkdir(options.workDir, { recursive: true });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      MAIN,
      "--masters",
      "0",
      "--agents",
      "1",
      "--master",
      options.master,
      "--work-dir",
      options.workDir,
      "--agent-resources",
      options.resources,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const log = Deno.openSync(options.logFile, { write: true, create: true, append: true });
  const piping = (async () => {
    try {
      for await (const chunk of child.stderr) {
        let rest = chunk;
        while (rest.length > 0) rest = rest.subarray(log.writeSync(rest));
      }
    } catch {
      // the process is gone
    } finally {
      log.close();
    }
  })();
  // main.ts prints "agent <id> <url>" once the agent has registered.
  const registered = Promise.withResolvers<{ id: string; url: string }>();
  const reading = (async () => {
    let text = "";
    const decoder = new TextDecoder();
    for await (const chunk of child.stdout) {
      text += decoder.decode(chunk, { stream: true });
      const m = /^agent (\S+) (\S+)$/m.exec(text);
      if (m) registered.resolve({ id: m[1]!, url: m[2]! });
    }
    registered.reject(new Error(`agent process exited before registering: ${text}`));
  })();
  reading.catch(() => {});
  const timeoutMs = options.registerTimeoutMs ?? 60_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const signal = (sig: Deno.Signal) => {
    try {
      child.kill(sig);
    } catch {
      // already gone
    }
  };
  const stop = async (graceMs = 15_000) => {
    signal("SIGCONT");
    signal("SIGTERM");
    const kill = setTimeout(() => signal("SIGKILL"), graceMs);
    try {
      const status = await child.status;
      await piping;
      return status.code;
    } finally {
      clearTimeout(kill);
    }
  };
  try {
    const { id, url } = await Promise.race([
      registered.promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`agent process not registered after ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
    return {
      id,
      url,
      pid: child.pid,
      freeze: () => Deno.kill(child.pid, "SIGSTOP"),
      resume: () => Deno.kill(child.pid, "SIGCONT"),
      stop,
    };
  } catch (e) {
    await stop(1000);
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

/** `/proc/<pid>/stat` fields after the command name: state, ppid, pgrp, session, … */
async function statFields(pid: number): Promise<string[] | undefined> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`).catch(() => undefined);
  if (stat === undefined) return undefined;
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/** True while `pid` exists and is not a zombie (a stopped process is alive). */
export async function isAlive(pid: number): Promise<boolean> {
  const fields = await statFields(pid);
  return fields !== undefined && fields[0] !== "Z" && fields[0] !== "X";
}

/** True while `pid` is stopped (SIGSTOP: state T). */
export async function isStopped(pid: number): Promise<boolean> {
  return (await statFields(pid))?.[0] === "T";
}

/**
 * The pids of the executor process of `executorId` under `workDir`: the leader of its
 * container (its own session), whose command line names the executor's sandbox. Its
 * children (etcd) are not included.
 */
export async function executorProcessPids(workDir: string, executorId: string): Promise<number[]> {
  const needle = `/executors/${executorId}/runs/`;
  const pids: number[] = [];
  for await (const e of Deno.readDir("/proc")) {
    if (!/^[0-9]+$/.test(e.name)) continue;
    const pid = Number(e.name);
    const argv = await Deno.readTextFile(`/proc/${pid}/cmdline`).catch(() => "");
    if (!argv.includes(workDir) || !argv.includes(needle)) continue;
    const fields = await statFields(pid);
    if (fields === undefined || fields[0] === "Z") continue;
    if (Number(fields[3]) === pid) pids.push(pid);
  }
  return pids;
}
