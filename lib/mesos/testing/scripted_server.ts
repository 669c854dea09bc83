/**
 * Small scripted HTTP servers for testing the Mesos clients: they record every request and
 * answer through a handler, including long-lived RecordIO streams the test feeds by hand.
 * Test support only.
 *
 * @module
 */
import { until } from "../../until.ts";

/** A request as the server saw it (body fully read). */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Headers;
  body: Uint8Array;
}

/** A streaming response the test writes to and ends. */
export interface ScriptedStream {
  response: Response;
  /** Sends bytes (e.g. one RecordIO record) as a chunk; ignored after the end. */
  push(bytes: Uint8Array | string): void;
  /** Ends the response body (the terminating chunk). */
  end(): void;
  /** Resolves when the client cancels the body or {@linkcode ScriptedStream.end} is called. */
  readonly ended: Promise<void>;
}

/** A running scripted server. */
export interface ScriptedServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly port: number;
  /** Every request so far, oldest first. */
  readonly requests: RecordedRequest[];
  /** A stream whose body the test controls; it is ended by {@linkcode ScriptedServer.close}. */
  stream(status: number, headers: Record<string, string>): ScriptedStream;
  /** Resolves once `n` requests have arrived (rejects after `timeoutMs`, default 5000). */
  waitForRequests(n: number, timeoutMs?: number): Promise<void>;
  /** Ends open streams and stops the server. */
  close(): Promise<void>;
}

/** The handler sees each request with its index (0-based) among all requests. */
export type ScriptHandler = (
  req: RecordedRequest,
  index: number,
  server: ScriptedServer,
) => Response | Promise<Response>;

/** Starts a server on 127.0.0.1 and a free port. */
export function startScriptedServer(handler: ScriptHandler): Promise<ScriptedServer> {
  const requests: RecordedRequest[] = [];
  const streams = new Set<ScriptedStream>();
  let resolveListening!: (port: number) => void;
  const listening = new Promise<number>((r) => resolveListening = r);
  const encoder = new TextEncoder();

  const self: ScriptedServer = {
    origin: "",
    port: 0,
    requests,
    stream(status, headers) {
      let ctl!: ReadableStreamDefaultController<Uint8Array>;
      let done = false;
      let resolveEnded!: () => void;
      const ended = new Promise<void>((r) => resolveEnded = r);
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          ctl = c;
        },
        cancel() {
          done = true;
          streams.delete(s);
          resolveEnded();
        },
      });
      const s: ScriptedStream = {
        response: new Response(body, { status, headers }),
        push(bytes) {
          if (!done) ctl.enqueue(typeof bytes === "string" ? encoder.encode(bytes) : bytes);
        },
        end() {
          if (done) return;
          done = true;
          streams.delete(s);
          ctl.close();
          resolveEnded();
        },
        ended,
      };
      streams.add(s);
      return s;
    },
    async waitForRequests(n, timeoutMs = 5000) {
      await until(() => requests.length >= n, {
        timeoutMs,
        what: `${n} requests`,
        intervalMs: 10,
      });
    },
    async close() {
      for (const s of [...streams]) s.end();
      await server.shutdown();
    },
  };

  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: ({ port }) => resolveListening(port),
  }, async (req) => {
    const recorded: RecordedRequest = {
      method: req.method,
      path: new URL(req.url).pathname,
      headers: req.headers,
      body: new Uint8Array(await req.arrayBuffer()),
    };
    const index = requests.push(recorded) - 1;
    return await handler(recorded, index, self);
  });

  return listening.then((port) => {
    Object.assign(self, { port, origin: `http://127.0.0.1:${port}` });
    return self;
  });
}

/**
 * The headers of a captured raw response (`*.headers.txt`) that a scripted server should
 * repeat: everything except the status line, `Date` and `Transfer-Encoding`.
 */
export function capturedHeaders(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of raw.split("\r\n").slice(1)) {
    const i = line.indexOf(":");
    if (i <= 0) continue;
    const name = line.slice(0, i);
    if (/^(date|transfer-encoding)$/i.test(name)) continue;
    out[name] = line.slice(i + 1).trim();
  }
  return out;
}

/** Splits a byte-exact RecordIO capture into its records (length line included), in order. */
export function splitRecordIO(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let i = 0;
  while (i < bytes.length) {
    let j = i;
    while (bytes[j] !== 0x0a) j++;
    const len = Number(new TextDecoder().decode(bytes.subarray(i, j)));
    out.push(bytes.subarray(i, j + 1 + len));
    i = j + 1 + len;
  }
  return out;
}
