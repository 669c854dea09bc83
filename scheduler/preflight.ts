/**
 * What the scheduler reads before it touches anything (pure I/O on local files): secrets,
 * the admin token, and the artifacts it will serve. A bad file is a bad flag: exit 2.
 *
 * @module
 */
import { type ArtifactPlan, artifactPlan } from "./artifact_plan.ts";
import type { Config } from "./config.ts";
import { type BackupKeys, loadBackupKeys } from "../lib/backup/key_files.ts";
import { findEtcdctl } from "../lib/backup/etcdctl.ts";

/** Files read before anything starts (secrets, tokens, artifacts). */
export interface Preflight {
  secret?: string;
  adminToken?: string;
  plan: ArtifactPlan;
  /** `--backup-encryption-key-file`, `--backup-decryption-key-files`. */
  backupKeys?: BackupKeys;
}

async function readSecretFile(flag: string, path: string): Promise<string> {
  try {
    const text = (await Deno.readTextFile(path)).replace(/\r?\n$/, "");
    if (text === "") throw new Error("the file is empty");
    return text;
  } catch (e) {
    throw new TypeError(`Cannot read ${flag} ${JSON.stringify(path)}: ${(e as Error).message}`);
  }
}

/**
 * Reads every file the flags name.
 *
 * @throws {TypeError} naming the flag and the path of a file that cannot be used.
 */
export async function preflight(c: Config): Promise<Preflight> {
  const secret = c.mesosAuthenticationSecretFile === undefined
    ? undefined
    : await readSecretFile("--mesos-authentication-secret-file", c.mesosAuthenticationSecretFile);
  const adminToken = c.adminToken ??
    (c.adminTokenFile === undefined
      ? undefined
      : await readSecretFile("--admin-token-file", c.adminTokenFile));
  const plan = artifactPlan(c, await servableEtcdctl(c));
  for (const f of plan.files) {
    const info = await Deno.stat(f.path).catch(() => undefined);
    if (!info?.isFile) {
      const flag = plan.flags[f.name];
      const hint = flag === "--etcd-bin"
        ? "point --etcd-bin at an etcd binary, or --etcd-uri elsewhere"
        : "build it with `deno task bundle` and pass --executor-bin=dist/etcd-mesos-executor.tar.gz, or point --executor-uri elsewhere";
      throw new TypeError(`Cannot serve ${flag} ${JSON.stringify(f.path)}: no such file (${hint})`);
    }
  }
  const backupKeys = await loadBackupKeys(
    c.backup.encryptionKeyFile,
    c.backup.decryptionKeyFiles,
  );
  return { secret, adminToken, plan, ...(backupKeys ? { backupKeys } : {}) };
}

/** The etcdctl file to serve next to `--etcd-bin`, when one is found (else agents need theirs). */
async function servableEtcdctl(c: Config): Promise<string | undefined> {
  const path = findEtcdctl(c.etcdctlBin, c.etcdBin);
  if (!path.includes("/")) return undefined;
  const info = await Deno.stat(path).catch(() => undefined);
  return info?.isFile ? path : undefined;
}
