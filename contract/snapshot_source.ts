/**
 * Where an executor fetches a snapshot to restore its member from, as the scheduler sends it
 * (in a member config for a member seeded from a backup, and in a `restore` order): the
 * backup id, the URL the scheduler serves it at, and its SHA-256.
 *
 * @module
 */

/** A backup's snapshot to restore. */
export interface SnapshotSource {
  /** The backup id (for logs and file names). */
  backupId: string;
  /** `http(s)://…` the executor downloads it from (the scheduler's artifact server). */
  url: string;
  /** Hex SHA-256 of the downloaded bytes. */
  sha256: string;
}

/** A `restore` order's whole cluster: every restored member, the new cluster token. */
export interface RestoreTarget extends SnapshotSource {
  /** etcd `--initial-cluster` of the restored cluster, including the receiving member. */
  initialCluster: string;
  /** etcd `--initial-cluster-token` of the restored cluster. */
  clusterToken: string;
}

/**
 * What is wrong with an untrusted snapshot source (parsed JSON), or `undefined` when it is
 * one.
 */
export function snapshotSourceProblem(v: unknown): string | undefined {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return "an object";
  const o = v as Record<string, unknown>;
  if (typeof o.backupId !== "string" || !/^[A-Za-z0-9._-]{1,64}$/.test(o.backupId)) {
    return `a backupId of [A-Za-z0-9._-] (got ${JSON.stringify(o.backupId)})`;
  }
  if (typeof o.url !== "string" || !/^https?:\/\/\S+$/.test(o.url)) {
    return `an http(s) url (got ${JSON.stringify(o.url)})`;
  }
  if (typeof o.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(o.sha256)) {
    return `a hex sha256 (got ${JSON.stringify(o.sha256)})`;
  }
  return undefined;
}

/** The snapshot source fields of `v` alone (call after {@linkcode snapshotSourceProblem}). */
export function snapshotSourceOf(v: SnapshotSource): SnapshotSource {
  return { backupId: v.backupId, url: v.url, sha256: v.sha256 };
}

/**
 * `url` fit for logs and errors: its query (the download token of an encrypted backup,
 * `?t=…`, a capability) is left out.
 */
export function loggableUrl(url: string): string {
  const q = url.indexOf("?");
  return q < 0 ? url : `${url.slice(0, q)}?…`;
}
