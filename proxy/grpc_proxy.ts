/**
 * etcd's own v3 proxy as a child process: `etcd grpc-proxy start --endpoints=… --listen-addr=…
 * --data-dir=…`, started, restarted with new endpoints (it cannot be reconfigured while
 * running), and stopped gracefully. Also finds the etcd binary and checks its version, so a
 * missing or too old etcd is reported in one clear line.
 *
 * @module
 */
import { type Logger, silentLogger } from "../lib/log.ts";
import type { TlsPaths } from "../lib/tls/files.ts";

/** `--etcd-bin` cannot be run: missing, not executable, or not etcd 3.4+. */
export class EtcdNotFoundError extends Error {
  /** The `--etcd-bin` value. */
  readonly bin: string;

  /** Creates the error; `reason` says what is wrong with `bin`. */
  constructor(bin: string, reason: string) {
    super(
      `Cannot use --etcd-bin ${JSON.stringify(bin)}: ${reason}. ` +
        "Install etcd 3.4 or later (Debian: apt-get install etcd-server) or pass " +
        "--etcd-bin=/path/to/etcd",
    );
    this.name = "EtcdNotFoundError";
    this.bin = bin;
  }
}

/** The grpc-proxy exited (while starting, or later); `output` is the tail of its stderr. */
export class GrpcProxyExitedError extends Error {
  readonly code: number;
  readonly output: string;

  /** Creates the error naming the exit code and the last lines etcd printed. */
  constructor(code: number, output: string) {
    super(`etcd grpc-proxy exited with code ${code}: ${lastLines(output, 3)}`);
    this.name = "GrpcProxyExitedError";
    this.code = code;
    this.output = output;
  }
}

function lastLines(text: string, n: number): string {
  return text.trim().split("\n").slice(-n).join(" | ") || "(no output)";
}

/**
 * The `etcd` command line of a grpc-proxy. With `tls` it reaches the members over `https://`
 * with its certificate (`--cert`, `--key`, `--cacert`) and serves clients over TLS with the
 * same one, requiring theirs (`--cert-file`, `--key-file`, `--trusted-ca-file`).
 */
export function grpcProxyArgs(
  options: { endpoints: readonly string[]; listenAddr: string; dataDir: string; tls?: TlsPaths },
): string[] {
  if (options.endpoints.length === 0) {
    throw new RangeError("Cannot start etcd grpc-proxy without endpoints");
  }
  const tls = options.tls;
  const endpoints = tls
    ? options.endpoints.map((e) => e.replace(/^http:\/\//, "https://"))
    : options.endpoints;
  return [
    "grpc-proxy",
    "start",
    `--endpoints=${endpoints.join(",")}`,
    `--listen-addr=${options.listenAddr}`,
    `--data-dir=${options.dataDir}`,
    ...(tls
      ? [
        `--cert=${tls.certFile}`,
        `--key=${tls.keyFile}`,
        `--cacert=${tls.caFile}`,
        `--cert-file=${tls.certFile}`,
        `--key-file=${tls.keyFile}`,
        `--trusted-ca-file=${tls.caFile}`,
      ]
      : []),
  ];
}

/** The `major.minor.patch` in `etcd --version` output, or `undefined`. */
export function parseEtcdVersion(output: string): [number, number, number] | undefined {
  const m = /etcd Version:\s*([0-9]+)\.([0-9]+)\.([0-9]+)/.exec(output);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

async function isExecutableFile(path: string): Promise<boolean> {
  const info = await Deno.stat(path).catch(() => undefined);
  return info !== undefined && info.isFile && ((info.mode ?? 0o755) & 0o111) !== 0;
}

/**
 * Finds `bin` (a path, or a name looked up on `PATH`) and checks that it is etcd 3.4+.
 *
 * @throws {EtcdNotFoundError} saying what is wrong.
 */
export async function resolveEtcd(
  bin: string,
  env: Record<string, string | undefined>,
): Promise<{ path: string; version: string }> {
  let path: string | undefined;
  if (bin.includes("/")) {
    if (!await isExecutableFile(bin)) throw new EtcdNotFoundError(bin, "no executable file there");
    path = bin;
  } else {
    const dirs = (env.PATH ?? "").split(":").filter((d) => d !== "");
    for (const dir of dirs) {
      if (await isExecutableFile(`${dir}/${bin}`)) {
        path = `${dir}/${bin}`;
        break;
      }
    }
    if (path === undefined) {
      throw new EtcdNotFoundError(bin, `not found on PATH (${dirs.join(":") || "empty"})`);
    }
  }
  let output: string;
  try {
    const out = await new Deno.Command(path, {
      args: ["--version"],
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(10_000),
    }).output();
    output = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  } catch (e) {
    throw new EtcdNotFoundError(bin, `running ${path} --version failed (${(e as Error).message})`);
  }
  const v = parseEtcdVersion(output);
  if (v === undefined || v[0] !== 3 || v[1] < 4) {
    throw new EtcdNotFoundError(
      bin,
      `${path} is not etcd 3.4+ (--version said ${JSON.stringify(lastLines(output, 1))})`,
    );
  }
  return { path, version: v.join(".") };
}

/** What the follower needs of a proxy process (a fake in tests). */
export interface ProxyRunner {
  /** The endpoints of the running proxy; `undefined` when none runs. */
  readonly endpoints: string[] | undefined;
  /** Stops any running proxy and starts one for `endpoints`; resolves once it listens. */
  restart(endpoints: readonly string[]): Promise<void>;
  /** Stops the proxy (SIGTERM, then SIGKILL after a grace period). Idempotent. */
  stop(): Promise<void>;
  /** Calls `cb` when a running proxy exits without being asked to. */
  onUnexpectedExit(cb: (error: GrpcProxyExitedError) => void): void;
}

/** Options of {@linkcode GrpcProxyProcess}. */
export interface GrpcProxyOptions {
  /** The etcd binary (see {@linkcode resolveEtcd}). */
  etcdPath: string;
  /** `host:port` to listen on. */
  listenAddr: string;
  dataDir: string;
  logger?: Logger;
  /** How long the proxy may take to listen; default 15 s. */
  readyTimeoutMs?: number;
  /** Mutual TLS towards the members and the clients (see {@linkcode grpcProxyArgs}). */
  tls?: TlsPaths;
  /** How long SIGTERM may take before SIGKILL; default 5 s. */
  stopGraceMs?: number;
}

const TAIL = 8192;

/** Where to connect to check the proxy listens (wildcards become loopback). */
function probeTarget(listenAddr: string): { hostname: string; port: number } {
  const i = listenAddr.lastIndexOf(":");
  let host = listenAddr.slice(0, i).replace(/^\[(.*)\]$/, "$1");
  if (host === "" || host === "0.0.0.0") host = "127.0.0.1";
  if (host === "::") host = "::1";
  return { hostname: host, port: Number(listenAddr.slice(i + 1)) };
}

async function accepts(target: { hostname: string; port: number }): Promise<boolean> {
  try {
    const conn = await Deno.connect(target);
    conn.close();
    return true;
  } catch {
    return false;
  }
}

interface Running {
  child: Deno.ChildProcess;
  endpoints: string[];
  tail: { text: string };
  piping: Promise<void>;
  stopping: boolean;
  /** Listening was confirmed; a later exit is unexpected. */
  ready: boolean;
}

/** A real `etcd grpc-proxy` child process. */
export class GrpcProxyProcess implements ProxyRunner {
  readonly #o: GrpcProxyOptions;
  readonly #log: Logger;
  #running: Running | undefined;
  #exitListeners: ((e: GrpcProxyExitedError) => void)[] = [];

  /** Prepares the runner; nothing starts before {@linkcode restart}. */
  constructor(options: GrpcProxyOptions) {
    this.#o = options;
    this.#log = options.logger ?? silentLogger;
  }

  get endpoints(): string[] | undefined {
    return this.#running === undefined ? undefined : [...this.#running.endpoints];
  }

  /** The pid of the running grpc-proxy, if any. */
  get pid(): number | undefined {
    return this.#running?.child.pid;
  }

  onUnexpectedExit(cb: (error: GrpcProxyExitedError) => void): void {
    this.#exitListeners.push(cb);
  }

  async restart(endpoints: readonly string[]): Promise<void> {
    const args = grpcProxyArgs({
      endpoints,
      listenAddr: this.#o.listenAddr,
      dataDir: this.#o.dataDir,
      ...(this.#o.tls ? { tls: this.#o.tls } : {}),
    });
    await this.stop();
    const target = probeTarget(this.#o.listenAddr);
    if (await accepts(target)) {
      throw new Error(
        `Cannot start etcd grpc-proxy: something else already listens on ${this.#o.listenAddr} ` +
          "(choose another --listen-client-urls)",
      );
    }
    const child = new Deno.Command(this.#o.etcdPath, {
      args,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const tail = { text: "" };
    const running: Running = {
      child,
      endpoints: [...endpoints],
      tail,
      stopping: false,
      ready: false,
      piping: child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
        new WritableStream({
          write: (chunk) => {
            tail.text = (tail.text + chunk).slice(-TAIL);
            for (const line of chunk.split("\n")) {
              if (line.trim() !== "") this.#log.debug("grpc-proxy", { line });
            }
          },
        }),
      ).catch(() => {}),
    };
    this.#running = running;
    let exited: GrpcProxyExitedError | undefined;
    void child.status.then(async (s) => {
      await running.piping;
      exited = new GrpcProxyExitedError(s.code, tail.text);
      if (this.#running === running) this.#running = undefined;
      if (running.ready && !running.stopping) {
        this.#log.error("etcd grpc-proxy exited", {
          code: s.code,
          output: lastLines(tail.text, 3),
        });
        for (const cb of this.#exitListeners) cb(exited);
      }
    });
    const deadline = Date.now() + (this.#o.readyTimeoutMs ?? 15_000);
    for (;;) {
      if (exited !== undefined) throw exited;
      if (await accepts(target)) break;
      if (Date.now() > deadline) {
        await this.stop();
        throw new Error(
          `etcd grpc-proxy did not listen on ${this.#o.listenAddr} within ${
            this.#o.readyTimeoutMs ?? 15_000
          } ms: ${lastLines(tail.text, 3)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    running.ready = true;
    this.#log.info("etcd grpc-proxy listening", {
      listen: this.#o.listenAddr,
      endpoints: endpoints.join(","),
      pid: child.pid,
    });
  }

  async stop(): Promise<void> {
    const running = this.#running;
    if (running === undefined) return;
    running.stopping = true;
    this.#running = undefined;
    const kill = (sig: Deno.Signal) => {
      try {
        running.child.kill(sig);
      } catch {
        // already gone
      }
    };
    kill("SIGTERM");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const graceful = await Promise.race([
      running.child.status.then(() => true),
      new Promise<false>((r) => timer = setTimeout(() => r(false), this.#o.stopGraceMs ?? 5000)),
    ]);
    clearTimeout(timer);
    if (!graceful) kill("SIGKILL");
    await running.child.status;
    await running.piping;
  }
}
