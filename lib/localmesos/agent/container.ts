/**
 * A "container" of the local agent: a sandbox directory and one OS process started in its
 * own session and process group (so that the whole tree it spawns, e.g. etcd, can be
 * signalled at once), with stdout/stderr written to `stdout`/`stderr` in the sandbox.
 *
 * @module
 */
import { destroyContainer, type DestroyResult } from "./container_destroy.ts";

/** The sandbox path Mesos uses: `<workDir>/slaves/<agent>/frameworks/<fw>/executors/<ex>/runs/<container>`. */
export function sandboxPath(
  workDir: string,
  ids: { agentId: string; frameworkId: string; executorId: string; containerId: string },
): string {
  return `${workDir}/slaves/${ids.agentId}/frameworks/${ids.frameworkId}/executors/${ids.executorId}/runs/${ids.containerId}`;
}

/** Creates the sandbox directory and a `latest` symlink next to it, as Mesos does. */
export async function createSandbox(path: string): Promise<void> {
  await Deno.mkdir(path, { recursive: true });
  const runs = path.slice(0, path.lastIndexOf("/"));
  await Deno.remove(`${runs}/latest`).catch(() => {});
  await Deno.symlink(path.slice(runs.length + 1), `${runs}/latest`).catch(() => {});
}

/** How a process ended. `raw` is the wait(2) status Mesos reports (`code << 8` or the signal). */
export interface ExitStatus {
  code: number;
  signal?: Deno.Signal;
  raw: number;
}

/** A running container process. */
export interface ContainerProcess {
  readonly pid: number;
  /** Resolves once the process has exited. */
  readonly exited: Promise<ExitStatus>;
  /** Sends `signal` to the whole process group; false when it is already gone. */
  signalGroup(signal: Deno.Signal): boolean;
  /**
   * SIGKILLs every process left in the container (group and session) and resolves once
   * none is alive, or after `timeoutMs` (default 5000) with `complete` false.
   */
  destroy(timeoutMs?: number): Promise<DestroyResult>;
}

/** What to run: argv[0] is looked up in the given environment's PATH. */
export interface ContainerSpec {
  argv: string[];
  env: Record<string, string>;
  cwd: string;
}

/**
 * The argv that runs a `CommandInfo`: `sh -c value` with `shell` (the default), else
 * `value` with `arguments[1..]` (Mesos passes `arguments` as the whole argv, argv[0] included;
 * POSIX sh cannot set argv[0], so it is the executable itself here).
 *
 * @throws {TypeError} when there is no value.
 */
export function commandArgv(command: { value?: string; shell?: boolean; arguments?: string[] }) {
  if (command.value === undefined || command.value === "") {
    throw new TypeError("Cannot run a CommandInfo without a value");
  }
  if (command.shell ?? true) return ["sh", "-c", command.value];
  return [command.value, ...(command.arguments ?? []).slice(1)];
}

/**
 * Starts `spec.argv` in `spec.cwd` with exactly `spec.env`, in a new session and process
 * group, with stdin from /dev/null and stdout/stderr appended to `<cwd>/stdout` and
 * `<cwd>/stderr`. The process is `exec`ed by a tiny shell so its pid is the one returned.
 */
export function launchContainer(spec: ContainerSpec): ContainerProcess {
  const script = 'exec </dev/null >>stdout 2>>stderr; exec "$@"';
  const child = new Deno.Command("/bin/sh", {
    args: ["-c", script, "mesos-containerizer", ...spec.argv],
    cwd: spec.cwd,
    env: spec.env,
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "null",
    detached: true,
  }).spawn();
  const pid = child.pid;
  let done = false;
  const exited = child.status.then((s) => {
    done = true;
    const signal = (s.signal ?? undefined) as Deno.Signal | undefined;
    const raw = signal !== undefined ? signalNumber(signal) : (s.code & 0xff) << 8;
    return signal !== undefined ? { code: s.code, signal, raw } : { code: s.code, raw };
  });
  return {
    pid,
    exited,
    signalGroup(signal) {
      if (done && !groupAlive(pid)) return false;
      try {
        Deno.kill(-pid, signal);
        return true;
      } catch {
        return false;
      }
    },
    destroy: (timeoutMs) => destroyContainer(pid, { timeoutMs }),
  };
}

/** True while any process of the group `pgid` is alive. */
export function groupAlive(pgid: number): boolean {
  try {
    Deno.kill(-pgid, "SIGCONT");
    return true;
  } catch {
    return false;
  }
}

const SIGNALS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
};

/** Linux signal number of `signal` (0 when unknown). */
export function signalNumber(signal: string): number {
  return SIGNALS[signal] ?? 0;
}

/** `strsignal`-style name for messages ("Terminated", "Killed", ...). */
export function signalDescription(signal: string): string {
  const names: Record<string, string> = {
    SIGTERM: "Terminated",
    SIGKILL: "Killed",
    SIGINT: "Interrupt",
    SIGHUP: "Hangup",
    SIGQUIT: "Quit",
    SIGABRT: "Aborted",
    SIGSEGV: "Segmentation fault",
    SIGPIPE: "Broken pipe",
  };
  return names[signal] ?? signal;
}
