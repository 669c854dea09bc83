/**
 * The two `etcdctl` (3.4, `ETCDCTL_API=3`) commands backups use: `snapshot status` (what a
 * snapshot file holds, read from its bbolt db: its newest key revision) and `snapshot
 * restore` (a new data dir for one member from a snapshot, checking its SHA-256 trailer).
 *
 * Why etcdctl for the revision rather than our own bbolt reader: it is the same binary that
 * restores, it walks every bucket (`tx.Check()` included), and it is what operators run.
 *
 * @module
 */

/** What `etcdctl snapshot status -w json` reports. */
export interface SnapshotStatus {
  /** Hash of the db's buckets (etcd's, not a SHA-256). */
  hash: number;
  /** The newest key revision in the snapshot, decimal. */
  revision: string;
  /** Entries in every bucket (not the number of live keys). */
  totalKey: number;
  /** Size of the db, bytes. */
  totalSize: number;
}

/** One member of a restored cluster. */
export interface RestoreMember {
  /** etcd `--name`. */
  name: string;
  /** This member's peer URL (`--initial-advertise-peer-urls`). */
  peerUrl: string;
  /** etcd `--initial-cluster`, including this member. */
  initialCluster: string;
  /** etcd `--initial-cluster-token` (new member ids derive from it). */
  clusterToken: string;
}

/** etcdctl failed; `output` is what it printed. */
export class EtcdctlError extends Error {
  /** Its stdout and stderr, trimmed. */
  readonly output: string;
  /** Creates the error naming the command. */
  constructor(what: string, code: number, output: string) {
    super(
      `${what} failed with exit code ${code}: ${output.trim().split("\n").slice(-3).join(" | ")}`,
    );
    this.name = "EtcdctlError";
    this.output = output;
  }
}

async function run(etcdctl: string, args: string[], what: string): Promise<string> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(etcdctl, {
      args,
      env: { ETCDCTL_API: "3" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (e) {
    throw new EtcdctlError(what, -1, `cannot run ${etcdctl}: ${(e as Error).message}`);
  }
  const dec = new TextDecoder();
  const stdout = dec.decode(out.stdout);
  if (!out.success) throw new EtcdctlError(what, out.code, stdout + dec.decode(out.stderr));
  return stdout;
}

/**
 * `etcdctl snapshot status <file> -w json`.
 *
 * @throws {EtcdctlError} naming the file when etcdctl fails or prints something else.
 */
export async function snapshotStatus(etcdctl: string, file: string): Promise<SnapshotStatus> {
  const what = `etcdctl snapshot status ${file}`;
  const text = await run(etcdctl, ["snapshot", "status", file, "-w", "json"], what);
  try {
    const v = JSON.parse(text);
    if (typeof v.revision !== "number" && typeof v.revision !== "string") throw new Error();
    return {
      hash: Number(v.hash),
      revision: String(BigInt(v.revision)),
      totalKey: Number(v.totalKey),
      totalSize: Number(v.totalSize),
    };
  } catch {
    throw new EtcdctlError(what, 0, `unexpected output ${JSON.stringify(text.slice(0, 200))}`);
  }
}

/**
 * `etcdctl snapshot restore <file>` into `dataDir` (which must not exist) for `member`.
 *
 * @throws {EtcdctlError} naming the file when the restore fails (a bad trailer included).
 */
export async function snapshotRestore(
  etcdctl: string,
  file: string,
  dataDir: string,
  member: RestoreMember,
): Promise<void> {
  await run(etcdctl, [
    "snapshot",
    "restore",
    file,
    `--data-dir=${dataDir}`,
    `--name=${member.name}`,
    `--initial-cluster=${member.initialCluster}`,
    `--initial-cluster-token=${member.clusterToken}`,
    `--initial-advertise-peer-urls=${member.peerUrl}`,
  ], `etcdctl snapshot restore ${file}`);
}

/**
 * The etcdctl to use: `configured` when that file exists, else `etcdctl` next to `etcdBin`,
 * else `etcdctl` on the PATH.
 */
export function findEtcdctl(configured: string | undefined, etcdBin: string | undefined): string {
  const exists = (p: string) => {
    try {
      return Deno.statSync(p).isFile;
    } catch {
      return false;
    }
  };
  if (configured !== undefined && exists(configured)) return configured;
  if (etcdBin !== undefined && etcdBin.includes("/")) {
    const next = etcdBin.replace(/[^/]*$/, "etcdctl");
    if (exists(next)) return next;
  }
  return "etcdctl";
}
