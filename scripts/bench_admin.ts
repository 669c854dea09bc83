/**
 * `deno run -A scripts/bench_admin.ts`: load on the scheduler's admin API — by default 1,000
 * requests/s to `/stats` and `/healthz` for 30 s at concurrency 50 — and what it cost.
 *
 * Without `--url` it serves the real admin handler over a live scheduler shell (fake clock,
 * Mesos and etcd; a healthy 5-member cluster) in a child process, so the server's RSS and
 * CPU time are its own; with `--url` it loads a running scheduler (e.g. while its cluster
 * heals) and reports client-side figures only. Every answer must be 200 (or 503 from
 * `/healthz`); anything else is counted and makes the exit code 1. Not part of the tests.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { createAdminHandler } from "../scheduler/admin/handler.ts";
import { type LoadResult, runLoad } from "../scheduler/admin/load_driver.ts";
import { startSteadyShell } from "../scheduler/testing/shell_fakes.ts";

const USAGE = `Usage: deno run -A scripts/bench_admin.ts [options]
  --rate N          requests per second to start (default 1000; 0 = as fast as possible)
  --duration S      seconds of load (default 30)
  --concurrency N   requests in flight at most (default 50)
  --paths LIST      paths to cycle through (default /stats,/healthz)
  --url URL         load this admin API instead of a local one (e.g. http://127.0.0.1:23400)
  --json FILE       also write the figures as JSON
`;

const write = (text: string) => Deno.stdout.writeSync(new TextEncoder().encode(text));

interface Options {
  rate: number;
  durationS: number;
  concurrency: number;
  paths: string[];
  url?: string;
  json?: string;
  serve: boolean;
  help: boolean;
}

function positive(flag: string, text: string | undefined, fallback: number, min = 1): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < min) {
    throw new RangeError(
      `Cannot parse ${flag} ${JSON.stringify(text)}: expected a number >= ${min}`,
    );
  }
  return n;
}

function parse(args: string[]): Options {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      rate: { type: "string" },
      duration: { type: "string" },
      concurrency: { type: "string" },
      paths: { type: "string" },
      url: { type: "string" },
      json: { type: "string" },
      serve: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  const paths = (values.paths ?? "/stats,/healthz").split(",");
  for (const p of paths) {
    if (!p.startsWith("/")) {
      throw new RangeError(`Cannot use path ${JSON.stringify(p)}: expected /…`);
    }
  }
  return {
    rate: positive("--rate", values.rate, 1000, 0),
    durationS: positive("--duration", values.duration, 30, 0.1),
    concurrency: Math.floor(positive("--concurrency", values.concurrency, 50)),
    paths,
    url: values.url?.replace(/\/+$/, ""),
    json: values.json,
    serve: values.serve ?? false,
    help: values.help ?? false,
  };
}

/** Child mode: the admin API over a steady 5-member shell until stdin closes. */
async function serve(): Promise<number> {
  const world = await startSteadyShell(5);
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    createAdminHandler({
      stats: () => world.shell.stats(),
      members: () => world.shell.members(),
      health: () => world.shell.health(),
      requestReseed: () => {},
      token: crypto.randomUUID(),
    }),
  );
  const before = JSON.stringify(world.shell.state);
  write(`listening ${server.addr.port}\n`);
  for await (const _ of Deno.stdin.readable) { /* until the parent closes stdin */ }
  const unchanged = JSON.stringify(world.shell.state) === before;
  write(`state ${unchanged ? "unchanged" : "CHANGED"}\n`);
  await server.shutdown();
  await world.stop();
  return unchanged ? 0 : 1;
}

/** RSS (kB) and CPU seconds (user + system) of process `pid`, from /proc. */
async function processUsage(pid: number): Promise<{ rssKb: number; cpuS: number } | undefined> {
  try {
    const status = await Deno.readTextFile(`/proc/${pid}/status`);
    const stat = (await Deno.readTextFile(`/proc/${pid}/stat`)).split(") ")[1]!.split(" ");
    const ticks = 100; // USER_HZ on Linux
    return {
      rssKb: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0),
      cpuS: (Number(stat[11]) + Number(stat[12])) / ticks,
    };
  } catch {
    return undefined;
  }
}

/** Reads lines from a child's stdout. */
async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buf = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buf += chunk;
    for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
      yield buf.slice(0, i);
      buf = buf.slice(i + 1);
    }
  }
}

function report(o: Options, r: LoadResult, unexpected: number, server?: Record<string, unknown>) {
  const l = r.latencyMs;
  const f = (n: number) => n.toFixed(2);
  write(
    [
      `admin API load: ${o.paths.join(" ")} at ${o.rate || "max"} req/s for ${o.durationS} s, ` +
      `concurrency ${o.concurrency}, on ${navigator.hardwareConcurrency} cores`,
      `  requests   ${r.requests} in ${f(r.elapsedMs / 1000)} s = ${f(r.rate)} req/s`,
      `  statuses   ${JSON.stringify(r.statuses)}  unexpected ${unexpected}  errors ${r.errors}`,
      `  latency ms min ${f(l.min)}  p50 ${f(l.p50)}  p95 ${f(l.p95)}  p99 ${f(l.p99)}  max ${
        f(l.max)
      }`,
      ...(server ? [`  server     ${JSON.stringify(server)}`] : []),
      ...r.errorSamples.map((e) => `  error      ${e}`),
    ].join("\n") + "\n",
  );
}

async function main(args: string[]): Promise<number> {
  let o: Options;
  try {
    o = parse(args);
  } catch (e) {
    Deno.stderr.writeSync(
      new TextEncoder().encode(`bench_admin: ${(e as Error).message}\n${USAGE}`),
    );
    return 2;
  }
  if (o.help) {
    write(USAGE);
    return 0;
  }
  if (o.serve) return await serve();

  let base = o.url;
  let child: Deno.ChildProcess | undefined;
  let childLines: AsyncGenerator<string> | undefined;
  if (base === undefined) {
    child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL(import.meta.url).pathname, "--serve"],
      stdin: "piped",
      stdout: "piped",
    }).spawn();
    childLines = lines(child.stdout);
    const first = (await childLines.next()).value ?? "";
    const port = /^listening (\d+)$/.exec(first)?.[1];
    if (port === undefined) throw new Error(`The admin server did not start: ${first}`);
    base = `http://127.0.0.1:${port}`;
  }
  const before = child ? await processUsage(child.pid) : undefined;
  let unexpected = 0;
  const result = await runLoad({
    durationMs: o.durationS * 1000,
    ratePerSecond: o.rate || undefined,
    concurrency: o.concurrency,
    request: (i) => ({ url: base + o.paths[i % o.paths.length]! }),
    onResponse: (_i, req, status) => {
      const ok = status === 200 || (status === 503 && req.url.endsWith("/healthz"));
      if (!ok) unexpected++;
    },
  });
  let server: Record<string, unknown> | undefined;
  let stateUnchanged = true;
  if (child) {
    const after = await processUsage(child.pid);
    await child.stdin.close();
    stateUnchanged = (await childLines!.next()).value === "state unchanged";
    await child.status;
    server = {
      rssKbBefore: before?.rssKb,
      rssKbAfter: after?.rssKb,
      cpuSeconds: after && before ? Number((after.cpuS - before.cpuS).toFixed(2)) : undefined,
      stateUnchanged,
    };
  }
  report(o, result, unexpected, server);
  if (o.json) {
    const doc = {
      cores: navigator.hardwareConcurrency,
      options: { ...o, serve: undefined, help: undefined },
      result,
      unexpected,
      server,
    };
    await Deno.writeTextFile(o.json, JSON.stringify(doc, null, 2) + "\n");
  }
  return unexpected === 0 && result.errors === 0 && stateUnchanged ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
