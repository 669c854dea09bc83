/**
 * `deno task start`: a whole etcd-mesos cluster on this machine — the local Mesos (one
 * master, 3 agents by default) and the scheduler as separate processes, a 3-member etcd
 * cluster on 127.0.0.1 — until Ctrl-C (SIGINT/SIGTERM/SIGHUP), which stops everything.
 * Exit codes: 0 after a stop, 1 when the cluster failed, 2 for bad flags.
 *
 * @module
 */
import { createLogger } from "../lib/log.ts";
import { runLocalCluster } from "./cluster.ts";
import { LOCAL_CLUSTER_USAGE, parseLocalClusterArgs } from "./config.ts";

const encoder = new TextEncoder();

function write(stream: { writeSync(b: Uint8Array): number }, text: string): void {
  let bytes = encoder.encode(text);
  try {
    while (bytes.length > 0) bytes = bytes.subarray(stream.writeSync(bytes));
  } catch {
    // the stream is gone
  }
}

async function main(args: string[]): Promise<number> {
  let config;
  try {
    config = parseLocalClusterArgs(args, Deno.env.toObject());
  } catch (e) {
    write(
      Deno.stderr,
      `deno task start: ${(e as Error).message}\nRun with --help for the flags.\n`,
    );
    return 2;
  }
  if (config.help) {
    write(Deno.stdout, LOCAL_CLUSTER_USAGE);
    return 0;
  }
  const logger = createLogger({
    level: config.scheduler.verbosity > 0 ? "debug" : "info",
    fields: { component: "start" },
  });
  const stop = new AbortController();
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  const onSignal = () => {
    if (!stop.signal.aborted) logger.info("stop requested; stopping everything");
    stop.abort();
  };
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  try {
    return await runLocalCluster(config, {
      logger,
      print: (text) => write(Deno.stdout, text),
      signal: stop.signal,
    });
  } finally {
    for (const s of signals) Deno.removeSignalListener(s, onSignal);
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
