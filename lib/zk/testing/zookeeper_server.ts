/**
 * Test harness: a real standalone ZooKeeper (the Debian `zookeeper` package)
 * on a free loopback port, plus a helper that expires a client's session the
 * way a network partition would.
 *
 * @module
 */

import { concatBytes } from "../../bytes.ts";
import type { ZkClient } from "../client.ts";
import { until } from "../../until.ts";
import { freePort } from "../../free_ports.ts";

/** Options for {@linkcode startZooKeeper}. */
export interface ZooKeeperOptions {
  /** Client port; default: a free loopback port. */
  port?: number;
  /** Working directory (config and data); default: a new temp dir, removed on stop. */
  dir?: string;
  /** Milliseconds to wait for the server to serve sessions; default 30000. */
  startTimeoutMs?: number;
}

/** A running ZooKeeper started by {@linkcode startZooKeeper}. */
export interface ZooKeeperServer {
  port: number;
  /** Connection string, `127.0.0.1:<port>`. */
  url: string;
  dir: string;
  /** Kills the server and waits for it to exit; removes the temp dir it created. Idempotent. */
  stop(): Promise<void>;
  /** Kills the server and starts it again on the same port and data (sessions survive). */
  restart(): Promise<void>;
}

/** The server did not come up; `output` is the tail of what it printed. */
export class ZooKeeperStartError extends Error {
  readonly output: string;
  constructor(message: string, output: string) {
    super(`${message}\n--- zookeeper output ---\n${output}`);
    this.name = "ZooKeeperStartError";
    this.output = output;
  }
}

const CLASSPATH = [
  "/etc/zookeeper/conf",
  "/usr/share/java/zookeeper.jar", // its manifest lists the other jars it needs
  "/usr/share/java/slf4j-simple.jar",
].join(":");
const OUTPUT_TAIL = 16_384;

/** A child process with the tail of its stderr kept in memory. */
class JavaProcess {
  readonly child: Deno.ChildProcess;
  readonly status: Promise<Deno.CommandStatus>;
  #tail = "";
  #drained: Promise<void>;

  constructor(cfg: string, cwd: string) {
    this.child = new Deno.Command("java", {
      args: [
        "-Xmx128m",
        "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1",
        "-Djava.net.preferIPv4Stack=true",
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
        "-Dzookeeper.admin.enableServer=false",
        "-cp",
        CLASSPATH,
        "org.apache.zookeeper.server.quorum.QuorumPeerMain",
        cfg,
      ],
      cwd,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    this.#drained = this.child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
      new WritableStream({
        write: (chunk) => {
          this.#tail = (this.#tail + chunk).slice(-OUTPUT_TAIL);
        },
      }),
    ).catch(() => {});
    this.status = this.child.status;
  }

  get output(): string {
    return this.#tail;
  }

  async kill(): Promise<void> {
    try {
      this.child.kill("SIGKILL");
    } catch {
      // already exited
    }
    await this.status;
    await this.#drained;
  }
}

/** One ZooKeeper handshake: opens a session and closes it again. */
async function handshake(port: number): Promise<boolean> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const timer = setTimeout(() => conn.close(), 1000);
  try {
    await conn.write(connectPacket(0n, new Uint8Array(16), 2000));
    const reply = await readFrame(conn);
    if (new DataView(reply.buffer).getInt32(4) <= 0) return false;
    await conn.write(CLOSE_SESSION);
    await readFrame(conn);
    return true;
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch {
      // closed by the timer
    }
  }
}

async function waitServing(proc: JavaProcess, port: number, timeoutMs: number): Promise<void> {
  let exited = false;
  proc.status.then(() => exited = true);
  const serving = await until(async () => {
    if (exited) throw new Error("exited");
    return await handshake(port);
  }, { timeoutMs, what: "ZooKeeper serving", intervalMs: 50, stopOn: () => exited })
    .catch(() => false);
  if (serving) return;
  const why = exited ? "exited during start" : `not serving after ${timeoutMs} ms`;
  await proc.kill();
  throw new ZooKeeperStartError(`ZooKeeper on 127.0.0.1:${port} ${why}`, proc.output);
}

/**
 * Starts a standalone ZooKeeper 3.8 with `tickTime=500` (sessions of 1–10 s),
 * four-letter words and the admin server off, and resolves once a client can
 * open a session.
 *
 * @example
 * ```ts
 * const zk = await startZooKeeper();
 * try { const c = await ZkClient.connect(zk.url); await c.close(); } finally { await zk.stop(); }
 * ```
 */
export async function startZooKeeper(options: ZooKeeperOptions = {}): Promise<ZooKeeperServer> {
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? await Deno.makeTempDir({ prefix: "zk-test-" });
  const port = options.port ?? freePort();
  const url = `127.0.0.1:${port}`;
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  const cfg = `${dir}/zoo.cfg`;
  await Deno.mkdir(`${dir}/data`, { recursive: true });
  await Deno.writeTextFile(
    cfg,
    [
      "tickTime=500",
      `dataDir=${dir}/data`,
      `clientPort=${port}`,
      "clientPortAddress=127.0.0.1",
      "maxClientCnxns=0",
      "admin.enableServer=false",
      "4lw.commands.whitelist=",
      "",
    ].join("\n"),
  );

  let proc: JavaProcess | undefined;
  const start = async () => {
    proc = new JavaProcess(cfg, dir);
    await waitServing(proc, port, timeoutMs);
  };
  let stopped = false;
  try {
    await start();
  } catch (error) {
    if (ownDir) await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw error;
  }
  return {
    port,
    url,
    dir,
    async stop() {
      if (stopped) return;
      stopped = true;
      await proc?.kill();
      if (ownDir) await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
    async restart() {
      if (stopped) throw new Error(`Cannot restart ZooKeeper on ${url}: it was stopped`);
      await proc?.kill();
      await start();
    },
  };
}

function int32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, n);
  return b;
}

async function readFrame(conn: Deno.Conn): Promise<Uint8Array> {
  const read = async (n: number) => {
    const buf = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const got = await conn.read(buf.subarray(at));
      if (got === null) throw new Error("ZooKeeper closed the connection");
      at += got;
    }
    return buf;
  };
  const len = new DataView((await read(4)).buffer).getInt32(0);
  return await read(len);
}

/** A framed ConnectRequest (protocol 0, lastZxidSeen 0, readOnly false). */
function connectPacket(sessionId: bigint, password: Uint8Array, timeoutMs: number): Uint8Array {
  const head = new Uint8Array(24);
  const view = new DataView(head.buffer);
  view.setInt32(0, 0); // protocolVersion
  view.setBigInt64(4, 0n); // lastZxidSeen
  view.setInt32(12, timeoutMs);
  view.setBigInt64(16, sessionId);
  const body = concatBytes(head, int32(password.length), password, new Uint8Array([0]));
  return concatBytes(int32(body.length), body);
}

/** A framed closeSession request: xid 1, OpCode.closeSession (-11). */
const CLOSE_SESSION = concatBytes(int32(8), int32(1), int32(-11));

/**
 * Expires `client`'s session, as a long network partition would: a second
 * connection attaches to the session (the server drops the client's
 * connection) and closes it in the same write, before the client can
 * reconnect. The client sees `"expired"` when it reconnects.
 */
export async function expireSession(server: { port: number }, client: ZkClient): Promise<void> {
  const packet = concatBytes(
    connectPacket(BigInt(client.sessionId), client.sessionPassword, client.sessionTimeoutMs),
    CLOSE_SESSION,
  );
  for (let attempt = 1;; attempt++) {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    try {
      await conn.write(packet);
      const reply = await readFrame(conn);
      if (new DataView(reply.buffer).getInt32(4) <= 0) return; // the session is already gone
      await readFrame(conn); // the closeSession reply
      return;
    } catch (error) {
      // The client reconnected first and took the session back: try again.
      if (attempt >= 20) {
        throw new Error(`Cannot expire ZooKeeper session ${client.sessionId}`, { cause: error });
      }
    } finally {
      conn.close();
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
