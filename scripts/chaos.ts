/**
 * `deno task chaos [--duration 120s] [--seed N] [--members 3|5] [--faults a,b] [--json FILE]`:
 * a bounded, seeded chaos run against an etcd cluster on the local Mesos (see
 * `scripts/chaos/run.ts`). Prints the seed first and the verdict last, with the longest
 * stall (no acknowledged write; not healthy) against the core's liveness bound for the run's
 * flags; exits 1 when any check fails (a stall beyond the bound is one), 2 on bad flags. Not part of `deno task test` (tests/chaos_short_test.ts runs a short one).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { createLogger, parseLogLevel } from "../lib/log.ts";
import { FAULTS, parseFaults } from "./chaos/faults.ts";
import { createRng } from "./chaos/rng.ts";
import { type ChaosResult, runChaos, type StallFigure } from "./chaos/run.ts";

const USAGE = `Usage: deno task chaos [--duration 120s] [--seed N] [--members 3|5] [--faults LIST]
                       [--json FILE] [--keep] [--volumes] [--log-level warn]
  --duration D   how long faults are injected (s, m suffix; default 120s); a fault under way
                 finishes its recovery, then the final checks run
  --seed N       replay a run (default: random, printed)
  --members N    3 or 5 (default 3)
  --faults LIST  subset of ${FAULTS.join(",")}
  --json FILE    also write the result as JSON
  --keep         keep the work directory (scheduler log, sandboxes)
  --volumes      members on persistent volumes (--role=etcd): dead ones come back in place
`;

const write = (text: string) => Deno.stdout.writeSync(new TextEncoder().encode(text));

/** Parses `120s`, `2m`, `90` (seconds) into ms; throws naming the value. */
export function parseDuration(text: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m)?$/.exec(text);
  if (!m) throw new RangeError(`Cannot parse duration "${text}": expected e.g. 120s or 2m`);
  const n = Number(m[1]);
  return m[2] === "ms" ? n : m[2] === "m" ? n * 60_000 : n * 1000;
}

function parse(args: string[]) {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      duration: { type: "string", default: "120s" },
      seed: { type: "string" },
      members: { type: "string", default: "3" },
      faults: { type: "string", default: FAULTS.join(",") },
      json: { type: "string" },
      keep: { type: "boolean" },
      volumes: { type: "boolean" },
      "log-level": { type: "string", default: "info" },
      help: { type: "boolean", short: "h" },
    },
  });
  const members = Number(values.members);
  if (members !== 3 && members !== 5) {
    throw new RangeError(`--members "${values.members}" must be 3 or 5`);
  }
  const seed = values.seed === undefined
    ? crypto.getRandomValues(new Uint32Array(1))[0]!
    : Number(values.seed);
  if (!/^[0-9]+$/.test(String(values.seed ?? seed)) || seed > 0xffffffff) {
    throw new RangeError(`--seed "${values.seed}" must be an integer in 0..4294967295`);
  }
  return {
    durationMs: parseDuration(values.duration),
    seed,
    members,
    faults: parseFaults(values.faults),
    json: values.json,
    keep: values.keep ?? false,
    volumes: values.volumes ?? false,
    level: parseLogLevel(values["log-level"]),
    help: values.help ?? false,
  };
}

/** The longest stalls, each with when it happened and the faults under way, and the bound. */
function stallLines(r: ChaosResult): string[] {
  const s = r.stalls;
  if (s === undefined) return [];
  const fig = (f: StallFigure) =>
    `${f.seconds.toFixed(1)} s (t=${f.fromSeconds.toFixed(0)}-${f.toSeconds.toFixed(0)} s${
      f.during.length > 0 ? `, during ${f.during.join(",")}` : ""
    })`;
  const worst = Math.max(s.writes.seconds, s.unhealthy?.seconds ?? 0);
  return [
    `longest stall: no acknowledged write for ${fig(s.writes)}; not healthy for ${
      s.unhealthy ? fig(s.unhealthy) : "0 s"
    }`,
    `  liveness bound (livenessBoundMs for these flags): ${s.boundSeconds} s: ${
      worst <= s.boundSeconds ? "within" : "EXCEEDED"
    }`,
  ];
}

/** The printed summary of `r`. */
export function formatResult(r: ChaosResult, seed: number, members: number): string {
  const lines = [
    "",
    `chaos run: seed ${seed}, ${members} members, ${navigator.hardwareConcurrency} cores, ` +
    `${r.wallSeconds.toFixed(0)} s wall`,
    `faults (${r.faults.length}):`,
    ...r.faults.map((f) =>
      `  t=${f.atSeconds.toFixed(0).padStart(4)}s ${f.fault.padEnd(18)} healthy after ${
        f.recoverySeconds.toFixed(1)
      } s  ${f.note}`
    ),
    `writes: ${r.writes.acked} acknowledged, ${r.writes.present} present, ` +
    `${r.writes.lostToReseed.length} lost to a reseed, ${r.writes.unexplained.length} unexplained ` +
    `(${r.writeFailures} failed attempts, retried)`,
    ...r.reseeds.map((x) => `  reseed evidence: ${x.evidence}`),
    ...r.writes.lostToReseed.slice(0, 20).map((l) =>
      `  lost to reseed: ${l.write.key} rev ${l.write.revision} > survivor's last kept rev ${l.survivorRevision}`
    ),
    ...stallLines(r),
    `members agree: revision ${r.finalRevision} (HashKV)`,
    `sampled ${r.monitor.samples}x: max ${r.monitor.maxEtcdMembers} etcd members, ` +
    `max ${r.monitor.maxLiveTasks} live tasks; framework id ${r.frameworkId}`,
    r.failures.length === 0 ? "PASS" : `FAIL (${r.failures.length}):`,
    ...r.failures.map((f) => `  - ${f}`),
    `seed ${seed} (replay: deno task chaos --seed ${seed} --members ${members} ...)`,
    "",
  ];
  return lines.join("\n");
}

async function main(args: string[]): Promise<number> {
  let o;
  try {
    o = parse(args);
  } catch (e) {
    Deno.stderr.writeSync(new TextEncoder().encode(`chaos: ${(e as Error).message}\n${USAGE}`));
    return 2;
  }
  if (o.help) {
    write(USAGE);
    return 0;
  }
  write(`chaos: seed ${o.seed}, ${o.members} members, faults ${o.faults.join(",")}\n`);
  const logger = createLogger({ level: o.level, fields: { component: "chaos" } });
  // Ctrl-C (or SIGTERM) ends the fault injection; the checks and the cleanup still run.
  const stop = new AbortController();
  const onSignal = () => {
    logger.warn("signal received: no more faults; checking and stopping everything");
    stop.abort();
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  const result = await runChaos({
    durationMs: o.durationMs,
    members: o.members,
    faults: o.faults,
    rng: createRng(o.seed),
    logger,
    keep: o.keep,
    volumes: o.volumes,
    signal: stop.signal,
  });
  write(formatResult(result, o.seed, o.members));
  if (o.json) {
    await Deno.writeTextFile(
      o.json,
      JSON.stringify({ seed: o.seed, members: o.members, ...result }, null, 2) + "\n",
    );
  }
  return result.failures.length === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
