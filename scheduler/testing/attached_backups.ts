/**
 * A scheduler's backups (as `createBackups` wires them) on a real store, attached to one
 * member: the test etcd at a client URL. What is pushed to the core and every restore asked
 * of it are recorded; asked restores are accepted. Test-only.
 *
 * @module
 */
import { loadBackupKeys } from "../../lib/backup/key_files.ts";
import { silentLogger } from "../../lib/log.ts";
import { createBackups } from "../backup_wiring.ts";
import { parseConfig } from "../config.ts";
import type { Input } from "../core/inputs.ts";
import type { BackupRef } from "../core/restore_run.ts";
import { initialState } from "../core/state.ts";
import type { MemberView } from "../core/views.ts";

/**
 * The backups of a scheduler started with `flags` (the store, scratch dir, keys...) and
 * `--backup-interval=0`, its only member the etcd at `clientUrl`; artifacts are served at
 * `http://sched:12300/`.
 */
export async function attachedBackups(
  flags: string[],
  clientUrl: string,
  env: Record<string, string> = {},
) {
  const c = parseConfig([
    "--ephemeral",
    ...flags,
    "--etcd-bin=/usr/bin/etcd",
    "--backup-interval=0",
  ], {});
  const keys = await loadBackupKeys(c.backup.encryptionKeyFile, c.backup.decryptionKeyFiles);
  const backups = createBackups(c, {
    env,
    log: silentLogger,
    artifactUrl: (name) => `http://sched:12300/${name}`,
    ...(keys ? { keys } : {}),
  })!;
  const [host, port] = clientUrl.replace("http://", "").split(":");
  const member = {
    name: "etcd-1",
    host,
    clientPort: Number(port),
    healthy: true,
    learner: false,
    leader: true,
  } as MemberView;
  const pushed: Input[] = [];
  const asked: { backup: BackupRef; force: boolean }[] = [];
  await backups.attach({
    members: () => [member],
    state: initialState(),
    push: (i) => pushed.push(i),
    requestRestore: (backup, force) => {
      asked.push({ backup, force });
      return Promise.resolve({ accepted: true, message: "restore-1 started" });
    },
  }, { newFramework: false });
  return { backups, pushed, asked };
}
