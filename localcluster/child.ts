/**
 * A child process the launcher owns: started in its own process group (a terminal's Ctrl-C
 * reaches only the launcher, which then stops its children in order), stdout and stderr
 * appended to a log file, stdout also handed over line by line, and stopped with SIGTERM,
 * then SIGKILL after a grace period.
 *
 * @module
 */

/** Options of {@linkcode spawnChild}. */
export interface ChildOptions {
  /** Name for messages, e.g. `scheduler`. */
  name: string;
  args: readonly string[];
  /** Both output streams are appended here. */
  logFile: string;
  cwd?: string;
  /** Extra environment (added to the launcher's). */
  env?: Record<string, string>;
  /** Receives every line of stdout (without the newline). */
  onStdoutLine?: (line: string) => void;
}

/** A running (or finished) child. */
export class ManagedChild {
  /** Name for messages. */
  readonly name: string;
  /** Its pid (also its process group id). */
  readonly pid: number;
  /** The log file both streams go to. */
  readonly logFile: string;
  /** Resolves when it has exited and its output is in the log file. */
  readonly exited: Promise<Deno.CommandStatus>;
  #child: Deno.ChildProcess;
  #done = false;

  /** Starts `cmd`; use {@linkcode spawnChild}. */
  constructor(cmd: string, options: ChildOptions) {
    this.name = options.name;
    this.logFile = options.logFile;
    const file = Deno.openSync(options.logFile, { write: true, create: true, append: true });
    const child = this.#child = new Deno.Command(cmd, {
      args: [...options.args],
      cwd: options.cwd,
      env: options.env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      detached: true,
    }).spawn();
    this.pid = child.pid;
    let chain = Promise.resolve();
    const append = (bytes: Uint8Array) => {
      chain = chain.then(async () => {
        let rest = bytes;
        while (rest.length > 0) rest = rest.subarray(await file.write(rest));
      }).catch(() => {});
    };
    const encoder = new TextEncoder();
    let partial = "";
    const stdout = child.stdout.pipeThrough(new TextDecoderStream()).pipeTo(
      new WritableStream({
        write(text) {
          append(encoder.encode(text));
          const lines = (partial + text).split("\n");
          partial = lines.pop() ?? "";
          for (const line of lines) options.onStdoutLine?.(line);
        },
        close() {
          if (partial !== "") options.onStdoutLine?.(partial);
        },
      }),
    ).catch(() => {});
    const stderr = child.stderr.pipeTo(
      new WritableStream({ write: (bytes) => append(bytes) }),
    ).catch(() => {});
    this.exited = (async () => {
      const status = await child.status;
      this.#done = true;
      await Promise.all([stdout, stderr]);
      await chain;
      file.close();
      return status;
    })();
  }

  /** True until the process has exited. */
  get running(): boolean {
    return !this.#done;
  }

  /** Sends `signal` to the child; false when it has already exited. */
  signal(signal: Deno.Signal): boolean {
    if (this.#done) return false;
    try {
      this.#child.kill(signal);
      return true;
    } catch {
      return false;
    }
  }

  /** SIGTERM, then SIGKILL when it is still running after `graceMs`; resolves with its status. */
  async stop(graceMs = 20_000): Promise<Deno.CommandStatus> {
    if (this.signal("SIGTERM")) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<"late">((resolve) =>
        timer = setTimeout(() => resolve("late"), graceMs)
      );
      const first = await Promise.race([this.exited, late]);
      clearTimeout(timer);
      if (first === "late") this.signal("SIGKILL");
    }
    return await this.exited;
  }

  /** The last `bytes` of its log file. */
  async logTail(bytes = 4000): Promise<string> {
    const text = await Deno.readTextFile(this.logFile).catch(() => "");
    return text.slice(-bytes);
  }
}

/** Starts `cmd` with {@linkcode ChildOptions}. */
export function spawnChild(cmd: string, options: ChildOptions): ManagedChild {
  return new ManagedChild(cmd, options);
}
