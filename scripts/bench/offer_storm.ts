/**
 * Benchmark: an offer storm. A local master (its own process, so its work does not delay the
 * measurements here) with N simulated agents (registered through the internal protocol; one
 * shared HTTP server here answers for all of them, no agent processes) offers
 * everything to the real scheduler (a separate `--ephemeral` process needing 3 members). A
 * counting proxy between the two decodes every call, so the figures are the master's view:
 * time from subscription to the last offer answered, offers declined with a filter, whether
 * the scheduler suppressed, calls received, offers left outstanding; plus the scheduler's
 * peak RSS (VmHWM).
 *
 * @module
 */
import { decodeMessage, type Encoding } from "../../lib/mesos/encoding.ts";
import type { Plain } from "../../lib/mesos/plain.ts";
import { startLocalMesosProcess } from "../../localcluster/processes.ts";
import { MASTER_INTERNAL } from "../../lib/localmesos/internal_protocol.ts";
import { readRecords } from "../../lib/mesos/recordio.ts";
import { freePort } from "../../lib/free_ports.ts";
import { ProgramProcess } from "../../tests/testing/processes.ts";
import { summarize, type Summary } from "../bench_stats.ts";

/** Options of {@linkcode offerStorm}. */
export interface OfferStormOptions {
  agents: number;
  /** Executor artifact (`.tar.gz`) the scheduler is given; never fetched here. */
  executorTar: string;
  /** Bound on waiting for every offer to be answered (default 60 s). */
  timeoutMs?: number;
}

/** What an offer storm measured. */
export interface OfferStormResult {
  agents: number;
  /** Offers the master sent (OFFERS events on the subscription stream). */
  offersSent: number;
  offersAnswered: number;
  /** From the first OFFERS event to the call that answered the last offer. */
  secondsToAnswerAll: number;
  /** The longest any one offer waited for its answer. */
  maxAnswerSeconds: number;
  /** Offers declined with `filters.refuse_seconds` set. */
  declinedWithFilter: number;
  accepted: number;
  suppressed: boolean;
  /** Calls the master received by type (SUBSCRIBE included). */
  calls: Record<string, number>;
  callsTotal: number;
  callsPerOffer: number;
  /** Offers sent more than 2 s before the end and never answered. */
  outstanding: number;
  /** Offers the master held for the framework at the end (fresh ones included). */
  masterHeldAtEnd: number;
  schedulerPeakRssKb: number;
  /**
   * Each ACCEPT/DECLINE call: offers it answered, the longest wait among them, and how long
   * the master took to answer the call.
   */
  answers: { type: string; offers: number; maxWaitSeconds: number; masterSeconds?: number }[];
}

/** `VmHWM` (peak RSS) of `pid` in kB, or 0 when unreadable. */
export function peakRssKb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

async function registerAgents(masterUrl: string, agentUrl: string, n: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const res = await fetch(new URL(MASTER_INTERNAL.register, masterUrl), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          agent_info: {
            hostname: `agent-${i}.storm`,
            port: 5051,
            resources: [
              { name: "cpus", type: "SCALAR", scalar: { value: 4 } },
              { name: "mem", type: "SCALAR", scalar: { value: 4096 } },
              { name: "disk", type: "SCALAR", scalar: { value: 20000 } },
              { name: "ports", type: "RANGES", ranges: { range: [{ begin: 31000, end: 31099 }] } },
            ],
          },
          agent_url: agentUrl,
          tasks: [],
          frameworks: [],
        }),
      });
      const body = await res.text();
      if (res.status !== 200) throw new Error(`registering agent ${i}: ${res.status} ${body}`);
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
}

/** Runs one offer storm. */
export async function offerStorm(o: OfferStormOptions): Promise<OfferStormResult> {
  const work = await Deno.makeTempDir({ prefix: "etcd-mesos-storm-" });
  const mesos = await startLocalMesosProcess({
    agents: 0,
    port: 0,
    workDir: `${work}/mesos`,
    logFile: `${work}/localmesos.log`,
  });
  const master = { url: mesos.masterSpec.replace(/\/$/, "") };
  const agentServer = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (r) => {
    await r.body?.cancel();
    return new Response("{}", { headers: { "Content-Type": "application/json" } });
  });
  const calls: Record<string, number> = {};
  const watching: Promise<void>[] = [];
  const sentAt = new Map<string, number>();
  let firstOfferAt = 0, lastAnswerAt = 0, answered = 0, declinedWithFilter = 0, accepted = 0;
  let maxWait = 0;
  const answers: OfferStormResult["answers"] = [];
  const watchEvents = async (stream: ReadableStream<Uint8Array>, enc: Encoding) => {
    try {
      for await (const rec of readRecords(stream)) {
        const ev = decodeMessage("mesos.v1.scheduler.Event", rec, enc) as Plain;
        if (ev.type !== "OFFERS") continue;
        const now = performance.now();
        if (firstOfferAt === 0) firstOfferAt = now;
        for (const offer of ev.offers?.offers ?? []) sentAt.set(offer.id.value, now);
      }
    } catch {
      // the stream ended
    }
  };
  const proxy = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const body = req.body ? new Uint8Array(await req.arrayBuffer()) : undefined;
    let answer: OfferStormResult["answers"][number] | undefined;
    if (url.pathname.endsWith("/api/v1/scheduler") && body) {
      const ct = req.headers.get("content-type") ?? "";
      const enc: Encoding = ct.includes("json") ? "json" : "protobuf";
      const call = decodeMessage("mesos.v1.scheduler.Call", body, enc) as Plain;
      const type = String(call.type);
      calls[type] = (calls[type] ?? 0) + 1;
      const ids = (type === "DECLINE"
        ? call.decline?.offer_ids
        : type === "ACCEPT"
        ? call.accept?.offer_ids
        : undefined) as unknown[] | undefined;
      if (ids) {
        const now = performance.now();
        answered += ids.length;
        lastAnswerAt = now;
        let callWait = 0;
        for (const id of ids as { value: string }[]) {
          const t = sentAt.get(id.value);
          if (t !== undefined) {
            callWait = Math.max(callWait, now - t);
          }
          sentAt.delete(id.value);
        }
        maxWait = Math.max(maxWait, callWait);
        answer = { type, offers: ids.length, maxWaitSeconds: callWait / 1000 };
        answers.push(answer);
        if (type === "ACCEPT") {
          accepted += ids.length;
        }
        if (type === "DECLINE" && call.decline?.filters?.refuse_seconds !== undefined) {
          declinedWithFilter += ids.length;
        }
      }
    }
    const headers = new Headers(req.headers);
    headers.delete("host");
    const sentUpstream = performance.now();
    const res = await fetch(new URL(url.pathname + url.search, master.url), {
      method: req.method,
      headers,
      body,
      redirect: "manual",
    });
    if (answer) answer.masterSeconds = (performance.now() - sentUpstream) / 1000;
    if (!res.body || !(res.headers.get("content-type") ?? "").length || res.status !== 200) {
      return res;
    }
    if (!url.pathname.endsWith("/api/v1/scheduler") || !res.headers.has("mesos-stream-id")) {
      return res;
    }
    const [mine, theirs] = res.body.tee();
    const enc: Encoding = (res.headers.get("content-type") ?? "").includes("json")
      ? "json"
      : "protobuf";
    watching.push(watchEvents(mine, enc));
    return new Response(theirs, { status: res.status, headers: res.headers });
  });
  let scheduler: ProgramProcess | undefined;
  const log = Deno.env.get("STORM_KEEP_LOG") ??
    await Deno.makeTempFile({ prefix: "etcd-mesos-storm-", suffix: ".log" });
  try {
    await registerAgents(master.url, `http://127.0.0.1:${agentServer.addr.port}`, o.agents);
    scheduler = new ProgramProcess("scheduler/main.ts", [
      `--master=127.0.0.1:${proxy.addr.port}`,
      "--ephemeral",
      "--cluster-size=3",
      `--admin-port=${freePort()}`,
      "--artifact-port=0",
      "--address=127.0.0.1",
      `--executor-bin=${o.executorTar}`,
      "--etcd-bin=/usr/bin/etcd",
      "--sandbox-cpu-limit=0.5",
      "--sandbox-mem-limit=256",
      "--sandbox-disk-limit=256",
    ], log);
    // Until every offer sent was answered and the scheduler launched its first member (the
    // simulated agents never run it, so the others never follow), then two quiet seconds for
    // late calls.
    const deadline = Date.now() + (o.timeoutMs ?? 60_000);
    while (
      (firstOfferAt === 0 || sentAt.size > 0 || accepted < 1) && Date.now() < deadline
    ) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 2000));
    const state = await (await fetch(`${master.url}/master/state`)).json() as {
      frameworks: { offers?: unknown[] }[];
    };
    const masterHeldAtEnd = state.frameworks.reduce((n, f) => n + (f.offers?.length ?? 0), 0);
    const end = performance.now();
    const outstanding = [...sentAt.values()].filter((t) => end - t > 2000).length;
    const callsTotal = Object.values(calls).reduce((a, b) => a + b, 0);
    return {
      agents: o.agents,
      offersSent: answered + sentAt.size,
      offersAnswered: answered,
      secondsToAnswerAll: sentAt.size === 0 ? (lastAnswerAt - firstOfferAt) / 1000 : NaN,
      maxAnswerSeconds: maxWait / 1000,
      declinedWithFilter,
      accepted,
      suppressed: (calls.SUPPRESS ?? 0) > 0,
      calls,
      callsTotal,
      callsPerOffer: callsTotal / Math.max(1, answered),
      outstanding,
      masterHeldAtEnd,
      schedulerPeakRssKb: peakRssKb(scheduler.pid),
      answers,
    };
  } finally {
    await scheduler?.stop();
    await proxy.shutdown();
    await Promise.all(watching);
    await agentServer.shutdown();
    await mesos.child.stop(20_000);
    await Deno.remove(work, { recursive: true }).catch(() => {});
    if (!Deno.env.get("STORM_KEEP_LOG")) await Deno.remove(log).catch(() => {});
  }
}

/** Repeated storms, summarized (raw samples kept). */
export interface OfferStormSummary {
  agents: number;
  runs: OfferStormResult[];
  maxAnswerSeconds: Summary;
  secondsToAnswerAll: Summary;
  schedulerPeakRssMb: Summary;
  /** Every offer answered within 2 s, none outstanding, fewer calls than offers: all runs. */
  targetsMet: boolean;
}

/** Runs `repeats` storms one after another. */
export async function offerStorms(
  o: OfferStormOptions & { repeats: number },
): Promise<OfferStormSummary> {
  const runs: OfferStormResult[] = [];
  for (let i = 0; i < o.repeats; i++) runs.push(await offerStorm(o));
  return {
    agents: o.agents,
    runs,
    maxAnswerSeconds: summarize(runs.map((r) => r.maxAnswerSeconds)),
    secondsToAnswerAll: summarize(runs.map((r) => r.secondsToAnswerAll)),
    schedulerPeakRssMb: summarize(runs.map((r) => r.schedulerPeakRssKb / 1024)),
    targetsMet: runs.every((r) =>
      r.maxAnswerSeconds <= 2 && r.outstanding === 0 &&
      r.offersAnswered + r.masterHeldAtEnd >= r.offersSent &&
      r.callsPerOffer < 1
    ),
  };
}

/** The storm figures as text. */
export function formatStorm(s: OfferStormSummary): string {
  const f = (x: Summary, d = 2) => `${x.min.toFixed(d)}/${x.median.toFixed(d)}/${x.max.toFixed(d)}`;
  const last = s.runs.at(-1)!;
  return [
    `offer storm: ${s.agents} simulated agents, ${s.runs.length} run(s) (min/median/max)`,
    `  longest wait of one offer for its answer   ${f(s.maxAnswerSeconds)} s  (target <= 2 s)`,
    `  first offer to last answer (all rounds)    ${f(s.secondsToAnswerAll)} s`,
    `  scheduler peak RSS (VmHWM)                 ${f(s.schedulerPeakRssMb, 1)} MB`,
    `  last run: ${last.offersSent} offers sent, ${last.offersAnswered} answered, ` +
    `${last.declinedWithFilter} declined with a filter, ${last.accepted} accepted, ` +
    `${last.outstanding} outstanding (${last.masterHeldAtEnd} fresh held), suppressed: ${
      last.suppressed ? "yes" : "no"
    }`,
    `  master received ${last.callsTotal} calls (${
      Object.entries(last.calls).map(([k, v]) => `${k} ${v}`).join(", ")
    }) = ${last.callsPerOffer.toFixed(4)} per offer (target < 1)`,
    `  last run's answers (offers, longest wait, master's time to answer the call; the scheduler`,
    `  sends its calls one after another): ${
      last.answers.map((a) =>
        `${a.type} ${a.offers} ${a.maxWaitSeconds.toFixed(2)}s/${
          (a.masterSeconds ?? NaN).toFixed(2)
        }s`
      ).join(", ")
    }`,
    `  targets ${s.targetsMet ? "met" : "NOT met"}`,
    "",
  ].join("\n");
}
