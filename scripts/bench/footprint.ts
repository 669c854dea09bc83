/**
 * Benchmark: the idle footprint of a ready cluster. Next to a running cluster (from
 * `coldStart`) it starts the proxy (`proxy/main.ts`, which runs an `etcd grpc-proxy`) and a
 * bare single etcd (the floor), lets everything settle, then samples `/proc/<pid>/status`
 * VmRSS once a second and `/proc/<pid>/stat` utime+stime at the ends of an idle window.
 * Reports per role: RSS in MB and CPU in % of one core (min/median/max over the role's
 * processes and samples), with the bare etcd's RSS as the floor.
 *
 * @module
 */
import type { Logger } from "../../lib/log.ts";
import { processesUnder } from "../../localcluster/leftovers.ts";
import { freePort } from "../../lib/free_ports.ts";
import { pollUntil, ROOT } from "../../localcluster/processes.ts";
import { summarize, type Summary } from "../bench_stats.ts";
import type { BenchCluster } from "../bench_lifecycle.ts";

const CLK_TCK = 100;

/** One process' RSS (kB) and CPU time (clock ticks), or undefined when it is gone. */
export function readProc(pid: number): { rssKb: number; ticks: number } | undefined {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const rss = /VmRSS:\s+(\d+) kB/.exec(status);
    return { rssKb: rss ? Number(rss[1]) : 0, ticks: Number(f[11]) + Number(f[12]) };
  } catch {
    return undefined;
  }
}

/** One role's figures. */
export interface FootprintRow {
  role: string;
  pids: number[];
  rssMb: Summary;
  /** % of one core over the window, one sample per process. */
  cpuPercent: Summary;
}

/** What {@linkcode measureFootprint} found. */
export interface FootprintResult {
  windowSeconds: number;
  rows: FootprintRow[];
  /** Median RSS of the bare etcd (MB). */
  floorRssMb: number;
}

/** Which role a process under the work dir plays. */
export function roleOf(command: string): string | undefined {
  if (/(^|\/)etcd grpc-proxy/.test(command)) return "etcd grpc-proxy (under the proxy)";
  if (/--name=footprint-floor/.test(command)) return "bare etcd (floor)";
  if (/(^|\/)etcd /.test(command)) return "etcd member";
  if (/proxy\/main\.ts/.test(command)) return "proxy";
  if (/executor/.test(command)) return "executor";
  return undefined;
}

async function spawnQuiet(cmd: string, args: string[]): Promise<Deno.ChildProcess> {
  return await Promise.resolve(
    new Deno.Command(cmd, { args, stdin: "null", stdout: "null", stderr: "null" }).spawn(),
  );
}

/** Measures the idle footprint of `c` for `windowSeconds`. */
export async function measureFootprint(
  c: BenchCluster,
  o: { windowSeconds: number; settleSeconds?: number; log: Logger },
): Promise<FootprintResult> {
  const dir = `${c.work}/footprint`;
  await Deno.mkdir(dir, { recursive: true });
  const floorClient = `http://127.0.0.1:${freePort()}`;
  const floorPeer = `http://127.0.0.1:${freePort()}`;
  const floor = await spawnQuiet("/usr/bin/etcd", [
    "--name=footprint-floor",
    `--data-dir=${dir}/floor`,
    `--listen-client-urls=${floorClient}`,
    `--advertise-client-urls=${floorClient}`,
    `--listen-peer-urls=${floorPeer}`,
    `--initial-advertise-peer-urls=${floorPeer}`,
    `--initial-cluster=footprint-floor=${floorPeer}`,
  ]);
  const proxy = await spawnQuiet(Deno.execPath(), [
    "run",
    "-A",
    `${ROOT}proxy/main.ts`,
    `--scheduler-url=${c.admin.baseUrl}`,
    `--listen-client-urls=http://127.0.0.1:${freePort()}`,
    `--data-dir=${dir}/proxy`,
    "--etcd-bin=/usr/bin/etcd",
  ]);
  try {
    await pollUntil("the proxy's grpc-proxy and the bare etcd", async () => {
      const roles = (await processesUnder(c.work)).map((p) => roleOf(p.command));
      const res = await fetch(`${floorClient}/health`, { signal: AbortSignal.timeout(1000) });
      await res.body?.cancel();
      return res.ok && roles.includes("etcd grpc-proxy (under the proxy)") ? true : undefined;
    }, { timeoutMs: 60_000, intervalMs: 200 });
    await new Promise((r) => setTimeout(r, (o.settleSeconds ?? 3) * 1000));
    const byRole = new Map<string, number[]>([["scheduler", [c.scheduler.pid]]]);
    for (const p of await processesUnder(c.work)) {
      const role = roleOf(p.command);
      if (role) byRole.set(role, [...(byRole.get(role) ?? []), p.pid]);
    }
    byRole.set("proxy", [proxy.pid]);
    const pids = [...byRole.values()].flat();
    const start = new Map(pids.map((p) => [p, readProc(p)?.ticks ?? NaN]));
    const rss = new Map<number, number[]>(pids.map((p) => [p, []]));
    const t0 = performance.now();
    for (let i = 0; i < o.windowSeconds; i++) {
      for (const p of pids) {
        const r = readProc(p);
        if (r) rss.get(p)!.push(r.rssKb / 1024);
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
    const elapsed = (performance.now() - t0) / 1000;
    const rows: FootprintRow[] = [];
    for (const [role, rolePids] of byRole) {
      const mb = rolePids.flatMap((p) => rss.get(p) ?? []);
      const cpu = rolePids.map((p) =>
        ((readProc(p)?.ticks ?? NaN) - start.get(p)!) / CLK_TCK / elapsed * 100
      ).filter((x) => Number.isFinite(x));
      if (mb.length === 0 || cpu.length === 0) {
        o.log.warn("a process vanished during the footprint window", { role });
        continue;
      }
      rows.push({ role, pids: rolePids, rssMb: summarize(mb), cpuPercent: summarize(cpu) });
    }
    const floorRow = rows.find((r) => r.role === "bare etcd (floor)");
    return { windowSeconds: elapsed, rows, floorRssMb: floorRow?.rssMb.median ?? NaN };
  } finally {
    for (const child of [proxy, floor]) {
      try {
        child.kill("SIGTERM");
      } catch {
        // gone
      }
      await child.status;
    }
  }
}

/** The footprint as a table. */
export function formatFootprint(f: FootprintResult): string {
  const head = ["process", "n", "RSS MB min/med/max", "x floor", "CPU % min/med/max"];
  const n = (x: number) => x.toFixed(1);
  const body = f.rows.map((r) => [
    r.role,
    String(r.pids.length),
    `${n(r.rssMb.min)}/${n(r.rssMb.median)}/${n(r.rssMb.max)}`,
    (r.rssMb.median / f.floorRssMb).toFixed(2),
    `${n(r.cpuPercent.min)}/${n(r.cpuPercent.median)}/${n(r.cpuPercent.max)}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ");
  return [
    `idle footprint over ${f.windowSeconds.toFixed(0)} s (floor: bare etcd ${n(f.floorRssMb)} MB)`,
    line(head),
    ...body.map(line),
    "",
  ].join("\n");
}
