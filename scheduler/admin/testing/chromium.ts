/**
 * Test support: a headless Chromium (Debian's `chromium` package) driven over the DevTools
 * protocol with Deno's built-in WebSocket — no puppeteer. Launches the browser on a free
 * DevTools port, reads the DevTools URL from its stderr, opens pages as flattened target
 * sessions, navigates, evaluates expressions and takes screenshots.
 *
 * @example
 * ```ts
 * const browser = await launchChromium();
 * const page = await browser.newPage();
 * await page.navigate("http://127.0.0.1:8080/");
 * const rows = await page.evaluate<number>(`document.querySelectorAll("tr").length`);
 * await browser.close();
 * ```
 *
 * @module
 */
import { until } from "../../../lib/until.ts";

/** Where Chromium is, or `undefined` when it is not installed. */
export function findChromium(): string | undefined {
  const candidates = [
    Deno.env.get("CHROMIUM_BIN"),
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/lib/chromium/chromium",
  ];
  for (const path of candidates) {
    if (path === undefined || path === "") continue;
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // not there
    }
  }
  return undefined;
}

/** A DevTools protocol error answer. */
export class CdpError extends Error {
  constructor(method: string, error: { code?: number; message?: string }) {
    super(`DevTools ${method} failed: ${error.message ?? "?"} (${error.code ?? "?"})`);
    this.name = "CdpError";
  }
}

type Pending = { method: string; resolve: (v: unknown) => void; reject: (e: Error) => void };
type Listener = (params: Record<string, unknown>, sessionId?: string) => void;

/** One DevTools WebSocket connection: numbered calls and event listeners. */
class CdpConnection {
  readonly #ws: WebSocket;
  readonly #pending = new Map<number, Pending>();
  readonly #listeners = new Map<string, Set<Listener>>();
  #next = 0;
  #closed: Error | undefined;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.onmessage = (ev) => this.#onMessage(String(ev.data));
    ws.onclose = () => this.#fail(new Error("DevTools connection closed"));
  }

  static open(url: string): Promise<CdpConnection> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.onopen = () => resolve(new CdpConnection(ws));
      ws.onerror = (e) =>
        reject(new Error(`cannot connect to ${url}: ${(e as ErrorEvent).message}`));
    });
  }

  send<T = Record<string, unknown>>(
    method: string,
    params: Record<string, unknown> = {},
    sessionId?: string,
  ): Promise<T> {
    if (this.#closed) return Promise.reject(this.#closed);
    const id = ++this.#next;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { method, resolve: resolve as (v: unknown) => void, reject });
      this.#ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    });
  }

  /** Calls `listener` on every `method` event; returns a function that stops it. */
  on(method: string, listener: Listener): () => void {
    if (!this.#listeners.has(method)) this.#listeners.set(method, new Set());
    this.#listeners.get(method)!.add(listener);
    return () => this.#listeners.get(method)?.delete(listener);
  }

  close(): void {
    this.#fail(new Error("DevTools connection closed"));
    try {
      this.#ws.close();
    } catch {
      // already closed
    }
  }

  #onMessage(data: string): void {
    const msg = JSON.parse(data) as {
      id?: number;
      result?: unknown;
      error?: { code?: number; message?: string };
      method?: string;
      params?: Record<string, unknown>;
      sessionId?: string;
    };
    if (msg.id !== undefined) {
      const p = this.#pending.get(msg.id);
      this.#pending.delete(msg.id);
      if (p === undefined) return;
      if (msg.error) p.reject(new CdpError(p.method, msg.error));
      else p.resolve(msg.result);
      return;
    }
    if (msg.method !== undefined) {
      for (const l of this.#listeners.get(msg.method) ?? []) l(msg.params ?? {}, msg.sessionId);
    }
  }

  #fail(error: Error): void {
    this.#closed ??= error;
    for (const p of this.#pending.values()) p.reject(error);
    this.#pending.clear();
  }
}

/** A page (tab) of the browser. */
export interface CdpPage {
  /** Opens `url` and resolves once its load event fired. */
  navigate(url: string, timeoutMs?: number): Promise<void>;
  /**
   * The value of `expression` evaluated in the page (promises awaited).
   *
   * @throws {Error} with the page's exception text when it throws.
   */
  evaluate<T>(expression: string): Promise<T>;
  /** Resolves once `expression` is truthy in the page; rejects naming it after `timeoutMs`. */
  waitFor(expression: string, timeoutMs?: number): Promise<void>;
  /** A PNG of the page as it is, written to `path`. */
  screenshot(path: string): Promise<void>;
}

/** A running headless Chromium. */
export interface Chromium {
  /** The browser's DevTools WebSocket URL. */
  readonly devtoolsUrl: string;
  newPage(options?: { width?: number; height?: number }): Promise<CdpPage>;
  /** Kills the browser and removes its profile directory. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts `chromium --headless=new --remote-debugging-port=0` with a fresh profile and
 * connects to it.
 *
 * @throws {Error} when Chromium is not installed, exits, or prints no DevTools URL in time.
 */
export async function launchChromium(
  options: { binary?: string; timeoutMs?: number } = {},
): Promise<Chromium> {
  const binary = options.binary ?? findChromium();
  if (binary === undefined) {
    throw new Error("Chromium is not installed (apt-get install chromium, or set CHROMIUM_BIN)");
  }
  const profile = await Deno.makeTempDir({ prefix: "chromium-test-" });
  const child = new Deno.Command(binary, {
    args: [
      "--headless=new",
      "--remote-debugging-port=0",
      `--user-data-dir=${profile}`,
      "--no-sandbox", // tests run as root
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--no-first-run",
      "--no-default-browser-check",
      "--disable-extensions",
      "--disable-background-networking",
      "about:blank",
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    try {
      child.kill("SIGKILL");
    } catch {
      // already exited
    }
    await child.status;
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  };
  let devtoolsUrl: string;
  let output = "";
  try {
    devtoolsUrl = await readDevtoolsUrl(child, options.timeoutMs ?? 30_000, (t) => output += t);
  } catch (error) {
    await close();
    throw new Error(`${(error as Error).message}\n--- chromium output ---\n${output.slice(-4000)}`);
  }
  const conn = await CdpConnection.open(devtoolsUrl);
  return {
    devtoolsUrl,
    newPage: (o) => openPage(conn, o),
    async close() {
      conn.close();
      await close();
    },
  };
}

/** Reads stderr until `DevTools listening on ws://…`; keeps draining it afterwards. */
async function readDevtoolsUrl(
  child: Deno.ChildProcess,
  timeoutMs: number,
  onText: (t: string) => void,
): Promise<string> {
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Chromium printed no DevTools URL within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    for (;;) {
      const { value, done } = await Promise.race([reader.read(), timeout]);
      if (done) throw new Error("Chromium exited before printing its DevTools URL");
      text += value;
      onText(value);
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(text);
      if (m) {
        void (async () => {
          try {
            while (!(await reader.read()).done) { /* drain */ }
          } catch {
            // the browser is gone
          }
        })();
        return m[1]!;
      }
    }
  } finally {
    clearTimeout(timer);
  }
}

async function openPage(
  conn: CdpConnection,
  options: { width?: number; height?: number } = {},
): Promise<CdpPage> {
  const { targetId } = await conn.send<{ targetId: string }>("Target.createTarget", {
    url: "about:blank",
  });
  const { sessionId } = await conn.send<{ sessionId: string }>("Target.attachToTarget", {
    targetId,
    flatten: true,
  });
  const send = <T = Record<string, unknown>>(
    method: string,
    params: Record<string, unknown> = {},
  ) => conn.send<T>(method, params, sessionId);
  await send("Page.enable");
  await send("Runtime.enable");
  await send("Emulation.setDeviceMetricsOverride", {
    width: options.width ?? 1400,
    height: options.height ?? 1100,
    deviceScaleFactor: 1,
    mobile: false,
  });

  const evaluate = async <T>(expression: string): Promise<T> => {
    const r = await send<{
      result: { value?: unknown };
      exceptionDetails?: { text?: string; exception?: { description?: string } };
    }>("Runtime.evaluate", { expression, returnByValue: true, awaitPromise: true });
    if (r.exceptionDetails) {
      const d = r.exceptionDetails;
      throw new Error(`page threw evaluating ${expression}: ${d.exception?.description ?? d.text}`);
    }
    return r.result.value as T;
  };

  return {
    async navigate(url, timeoutMs = 15_000) {
      let stop = () => {};
      const loaded = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${url} did not load within ${timeoutMs} ms`)),
          timeoutMs,
        );
        stop = conn.on("Page.loadEventFired", (_p, sid) => {
          if (sid !== sessionId) return;
          clearTimeout(timer);
          resolve();
        });
      });
      try {
        const r = await send<{ errorText?: string }>("Page.navigate", { url });
        if (r.errorText) throw new Error(`cannot open ${url}: ${r.errorText}`);
        await loaded;
      } finally {
        stop();
      }
    },
    evaluate,
    async waitFor(expression, timeoutMs = 15_000) {
      await until(() => evaluate<boolean>(`Boolean(${expression})`), {
        timeoutMs,
        what: `${expression} in the page`,
        intervalMs: 100,
        stopOn: () => true,
      });
    },
    async screenshot(path) {
      const { data } = await send<{ data: string }>("Page.captureScreenshot", { format: "png" });
      await Deno.writeFile(path, Uint8Array.from(atob(data), (c) => c.charCodeAt(0)));
    },
  };
}
