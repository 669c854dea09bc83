/**
 * The restore drill of a backup: restore the snapshot into a scratch dir with etcdctl, start
 * that etcd (the binary the scheduler serves) alone on loopback on free ports, check that it
 * serves the snapshot's revision, count its keys, and stop it. A backup is `verified` only
 * when all of that worked.
 *
 * @module
 */
import { snapshotRestore } from "./etcdctl.ts";
import { freePort } from "../free_ports.ts";

/** Options of {@linkcode restoreDrill}. */
export interface DrillOptions {
  /** The snapshot file. */
  file: string;
  /** The revision it must serve (from `etcdctl snapshot status`). */
  revision: string;
  /** etcd binary. */
  etcd: string;
  /** etcdctl binary. */
  etcdctl: string;
  /** A directory for the scratch data dir (removed afterwards). */
  scratchDir: string;
  /** How long etcd may take to become healthy; default 60 s. */
  startTimeoutMs?: number;
}

/** What the drill found. */
export interface DrillResult {
  ok: boolean;
  /** Wall time of restore + start + checks + stop, ms. */
  ms: number;
  /** The revision the restored etcd serves (when it started). */
  revision?: string;
  /** Live keys it serves (when it started). */
  keys?: number;
  /** Why it failed. */
  error?: string;
}

const ALL = btoa("\0");

async function rangeCount(clientUrl: string): Promise<{ revision: string; keys: number }> {
  const res = await fetch(`${clientUrl}/v3/kv/range`, {
    method: "POST",
    body: JSON.stringify({ key: ALL, range_end: ALL, count_only: true }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`range answered HTTP ${res.status}: ${JSON.stringify(body)}`);
  return { revision: String(body.header?.revision ?? "0"), keys: Number(body.count ?? 0) };
}

async function healthy(clientUrl: string): Promise<boolean> {
  try {
    const res = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(1000) });
    const body = await res.json();
    return body.health === "true";
  } catch {
    return false;
  }
}

/** Runs the drill (never throws: a failure is a result with `ok: false`). */
export async function restoreDrill(options: DrillOptions): Promise<DrillResult> {
  const started = performance.now();
  const dir = await Deno.makeTempDir({ dir: options.scratchDir, prefix: "drill-" });
  const clientUrl = `http://127.0.0.1:${freePort()}`;
  const peerUrl = `http://127.0.0.1:${freePort()}`;
  let child: Deno.ChildProcess | undefined;
  let drained: Promise<void> = Promise.resolve();
  let stderrTail = "";
  const finish = (r: Omit<DrillResult, "ms">): DrillResult => ({
    ...r,
    ms: Math.round(performance.now() - started),
  });
  try {
    await snapshotRestore(options.etcdctl, options.file, `${dir}/data`, {
      name: "drill",
      peerUrl,
      initialCluster: `drill=${peerUrl}`,
      clusterToken: `drill-${crypto.randomUUID()}`,
    });
    child = new Deno.Command(options.etcd, {
      args: [
        "--name=drill",
        `--data-dir=${dir}/data`,
        `--listen-client-urls=${clientUrl}`,
        `--advertise-client-urls=${clientUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        "--logger=zap",
        "--log-outputs=stderr",
        "--log-level=error",
      ],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    drained = child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
      new WritableStream({ write: (c) => void (stderrTail = (stderrTail + c).slice(-2000)) }),
    ).catch(() => {});
    let exited = false;
    child.status.then(() => exited = true);
    const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
    while (!(await healthy(clientUrl))) {
      if (exited || Date.now() > deadline) {
        const why = exited ? "exited" : "was not healthy in time";
        return finish({
          ok: false,
          error: `restored etcd ${why}: ${stderrTail.trim().slice(-300)}`,
        });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const got = await rangeCount(clientUrl);
    await stop(child);
    child = undefined;
    // A store that never held a key has no revision in its db (status says 0); etcd serves
    // its initial revision, 1.
    const expected = options.revision === "0" ? "1" : options.revision;
    if (got.revision !== expected) {
      return finish({
        ok: false,
        revision: got.revision,
        keys: got.keys,
        error:
          `restored etcd serves revision ${got.revision}, the snapshot holds ${options.revision}`,
      });
    }
    return finish({ ok: true, revision: got.revision, keys: got.keys });
  } catch (e) {
    return finish({ ok: false, error: (e as Error).message });
  } finally {
    if (child !== undefined) await stop(child);
    await drained;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

async function stop(child: Deno.ChildProcess): Promise<void> {
  try {
    child.kill("SIGTERM");
  } catch {
    // exited
  }
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // exited
    }
  }, 10_000);
  await child.status;
  clearTimeout(timer);
}
