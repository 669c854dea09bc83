/**
 * Restoring a backup's snapshot into an executor's etcd data dir: download it from the
 * scheduler (streamed to a file in the sandbox, SHA-256 checked against the one the
 * scheduler sent), keep the current data dir aside as `<dataDir>.before-restore` (replacing
 * an older one), and `etcdctl snapshot restore` it as this member of the restored cluster.
 * A failure puts the old data dir back.
 *
 * @module
 */
import { type RestoreMember, snapshotRestore } from "../lib/backup/etcdctl.ts";
import type { Logger } from "../lib/log.ts";
import { loggableUrl, type SnapshotSource } from "../contract/snapshot_source.ts";

/** One restore of a snapshot into a data dir. */
export interface SnapshotRestoreJob {
  source: SnapshotSource;
  dataDir: string;
  member: RestoreMember;
}

/** Options of {@linkcode restoreSnapshotInto}. */
export interface SnapshotRestoreOptions {
  /** Where the download goes (the sandbox). */
  workDir: string;
  etcdctl: string;
  logger: Logger;
  /** Default the global `fetch`. */
  fetch?: typeof fetch;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Carries out `job`.
 *
 * @throws {Error} naming the URL, the hashes or etcdctl's output when a step fails (the data
 * dir is then as it was).
 */
export async function restoreSnapshotInto(
  job: SnapshotRestoreJob,
  options: SnapshotRestoreOptions,
): Promise<void> {
  const { source, dataDir } = job;
  const log = options.logger;
  const file = `${options.workDir}/restore-${source.backupId}.db`;
  const aside = `${dataDir}.before-restore`;
  let moved = false;
  let restoring = false;
  try {
    log.info("downloading snapshot", { backup: source.backupId, url: loggableUrl(source.url) });
    const res = await (options.fetch ?? fetch)(source.url);
    if (!res.ok || res.body === null) {
      await res.body?.cancel();
      throw new Error(`Cannot download snapshot ${loggableUrl(source.url)}: HTTP ${res.status}`);
    }
    // Loaded here, not at start: node:crypto costs an idle executor about 1 MB of RSS.
    const { createHash } = await import("node:crypto");
    const hash = createHash("sha256");
    const out = await Deno.open(file, { write: true, create: true, truncate: true });
    let size = 0;
    try {
      for await (const chunk of res.body) {
        hash.update(chunk);
        size += chunk.length;
        let at = 0;
        while (at < chunk.length) at += await out.write(chunk.subarray(at));
      }
    } finally {
      out.close();
    }
    const got = hash.digest("hex");
    if (got !== source.sha256) {
      throw new Error(
        `Snapshot ${
          loggableUrl(source.url)
        } (${size} bytes) has SHA-256 ${got}, expected ${source.sha256}`,
      );
    }
    if (await exists(dataDir)) {
      await Deno.remove(aside, { recursive: true }).catch(() => {});
      await Deno.rename(dataDir, aside);
      moved = true;
    }
    restoring = true;
    await snapshotRestore(options.etcdctl, file, dataDir, job.member);
    log.info("snapshot restored", {
      backup: source.backupId,
      dataDir,
      bytes: size,
      member: job.member.name,
      keptAside: moved ? aside : undefined,
    });
  } catch (e) {
    if (restoring) await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    if (moved) await Deno.rename(aside, dataDir).catch(() => {});
    throw e;
  } finally {
    await Deno.remove(file).catch(() => {});
  }
}
