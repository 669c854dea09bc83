/**
 * Wiring of backups and restores into the running scheduler: the stores of `--backup-store`
 * and `--restore-from`, the {@linkcode BackupService}, the artifact route executors download
 * snapshots from (`/backups/<id>.db`), the admin API's view of it, and the seed of a
 * brand-new framework (`--restore-from`).
 *
 * @module
 */
import { findEtcdctl } from "../lib/backup/etcdctl.ts";
import type { TlsMaterial } from "../lib/tls/files.ts";
import { openBackupStore } from "../lib/backup/open_store.ts";
import { isBackupId } from "../lib/backup/record.ts";
import { BackupNotFoundError, type BackupStore } from "../lib/backup/store.ts";
import {
  type BackupKeys,
  checkDownloadToken,
  downloadToken,
  keyProblem,
} from "../lib/backup/key_files.ts";
import { plainObject } from "../lib/backup/plain_object.ts";
import type { Logger } from "../lib/log.ts";
import type { AdminBackups } from "./admin/backup_routes.ts";
import type { BackupMetrics } from "./admin/backup_metrics.ts";
import { BackupService } from "./backups.ts";
import type { Config } from "./config.ts";
import type { BackupRef } from "./core/restore_run.ts";
import type { Input } from "./core/inputs.ts";
import type { State } from "./core/state.ts";
import type { MemberView } from "./core/views.ts";

/** The part of the running shell backups use. */
export interface BackupShell {
  members(): MemberView[];
  readonly state: State;
  push(input: Input): void;
  requestRestore(
    backup: BackupRef,
    force: boolean,
  ): Promise<{ accepted: boolean; message: string }>;
}

/** Backups and restores of one scheduler. */
export interface Backups {
  service: BackupService;
  /** The admin API's view. */
  admin: AdminBackups;
  /** The artifact server's route for snapshots. */
  route(path: string, req: Request): Promise<Response | undefined>;
  /** Called once the shell exists: feeds it what is known, starts scheduling. */
  attach(shell: BackupShell, options: { newFramework: boolean }): Promise<void>;
  stop(): Promise<void>;
}

const ROUTE = /^\/backups\/([0-9]{8}T[0-9]{9}Z)\.db$/;

/**
 * The client URL of the member to snapshot: a healthy voter, preferring a follower (the
 * leader keeps its disk for the cluster).
 */
export function snapshotSource(members: readonly MemberView[]): string | undefined {
  const ok = members.filter((m) => m.healthy && !m.learner);
  const pick = ok.find((m) => !m.leader) ?? ok[0];
  return pick === undefined ? undefined : `http://${pick.host}:${pick.clientPort}`;
}

/**
 * Sets backups up from the configuration; `undefined` when neither `--backup-store` nor
 * `--restore-from` is given.
 *
 * @throws {TypeError} naming a store that cannot be used (e.g. missing AWS credentials).
 */
export function createBackups(
  c: Config,
  deps: {
    env: Record<string, string | undefined>;
    log: Logger;
    /** The artifact server's URL of `name` (available once it runs). */
    artifactUrl(name: string): string;
    /** The scheduler's TLS identity towards etcd under `--tls`. */
    tls?: () => TlsMaterial;
    /** The backup keys (preflight.ts). */
    keys?: BackupKeys;
  },
): Backups | undefined {
  const b = c.backup;
  if (b.store === undefined && b.restoreFrom === undefined) return undefined;
  const s3 = { endpoint: b.s3Endpoint, region: b.s3Region };
  const primary = openBackupStore(b.store ?? b.restoreFrom!.store, s3, deps.env);
  const from = b.restoreFrom === undefined || b.restoreFrom.store === primary.url
    ? primary
    : openBackupStore(b.restoreFrom.store, s3, deps.env);
  const stores: BackupStore[] = from === primary ? [primary] : [primary, from];
  const log = deps.log.child({ component: "backups" });
  let shell: BackupShell | undefined;
  let latest: BackupRef | undefined;
  const autoRestore = b.autoRestore === true;
  const keys = deps.keys;
  // The artifact server is open to the network and a backup is the cluster's data: every
  // snapshot URL carries a token. Its secret follows the backup key when there is one (URLs
  // then survive a scheduler restart), else it is this process's own.
  const secret = keys?.tokenSecret ?? crypto.getRandomValues(new Uint8Array(32));
  const service = new BackupService({
    store: primary,
    scratchDir: b.scratchDir ?? `${Deno.env.get("TMPDIR") ?? "/tmp"}/etcd-mesos-backup`,
    etcd: c.etcdBin,
    etcdctl: findEtcdctl(c.etcdctlBin, c.etcdBin),
    ...(deps.tls ? { tls: deps.tls } : {}),
    intervalMs: b.store === undefined ? 0 : b.intervalMs,
    keep: b.keep,
    source: () => snapshotSource(shell?.members() ?? []),
    // Served (an encrypted one decrypted) to the holder of its URL's token only.
    snapshotUrl: (id) => deps.artifactUrl(`backups/${id}.db`) + `?t=${downloadToken(secret, id)}`,
    ...(keys?.current ? { encryption: keys.current } : {}),
    restorable: (record) => keyProblem(record, keys) === undefined,
    onLatest: (ref) => {
      latest = ref;
      shell?.push({ type: "backups", latest: ref, autoRestore });
    },
    logger: deps.log,
  });

  const route = async (path: string, req: Request): Promise<Response | undefined> => {
    const id = ROUTE.exec(path)?.[1];
    if (id === undefined || !isBackupId(id)) return undefined;
    if (!checkDownloadToken(secret, id, new URL(req.url).searchParams.get("t"))) {
      log.warn("refused a backup download without its token", { backup: id });
      return new Response(`backup ${id}: its URL's token is needed\n`, { status: 403 });
    }
    for (const store of stores) {
      let plain;
      try {
        plain = await plainObject(await store.open(id), keys);
      } catch (e) {
        if (e instanceof BackupNotFoundError) continue;
        log.warn("cannot read a backup's snapshot", { backup: id, store: store.url, error: e });
        return new Response(`cannot read backup ${id}: ${(e as Error).message}\n`, {
          status: 502,
        });
      }
      log.info("serving a backup's snapshot", {
        backup: id,
        store: store.url,
        encrypted: plain.encrypted,
        ...(plain.size === undefined ? {} : { bytes: plain.size }),
      });
      return new Response(plain.body, {
        headers: {
          "content-type": "application/octet-stream",
          ...(plain.size === undefined ? {} : { "content-length": String(plain.size) }),
        },
      });
    }
    return undefined;
  };

  const admin: AdminBackups = {
    list: async () => ({ store: primary.url, backups: await service.list() }),
    take: () => service.take(),
    restore: async (id, force) => {
      const record = isBackupId(id) ? await service.find(id) : undefined;
      if (record === undefined) return undefined;
      const problem = keyProblem(record, keys);
      if (problem !== undefined) return { accepted: false, message: `cannot restore: ${problem}` };
      if (shell === undefined) {
        return { accepted: false, message: "the scheduler is not running yet" };
      }
      return await shell.requestRestore(service.refOf(record), force);
    },
    metrics: (): BackupMetrics => {
      const r = shell?.state.restore;
      return {
        ...service.metrics(),
        restores_total: r?.done ?? 0,
        restoring: r?.run !== undefined ? 1 : 0,
        restore_failed: r?.failed !== undefined ? 1 : 0,
      };
    },
  };

  return {
    service,
    admin,
    route,
    attach: async (s, { newFramework }) => {
      shell = s;
      s.push({ type: "backups", latest, autoRestore });
      if (b.restoreFrom !== undefined) {
        if (!newFramework) {
          log.info("--restore-from ignored: the framework exists already (it has an id)");
        } else {
          const ref = await seedOf(from, b.restoreFrom.id, service, keys);
          log.warn("--restore-from: seeding the new cluster from a backup", {
            store: from.url,
            backup: ref.id,
            revision: ref.revision,
            verified: ref.verified,
          });
          s.push({ type: "restore", source: "restore-from", backup: ref });
        }
      }
      if (b.store !== undefined) service.start();
    },
    stop: () => service.stop(),
  };
}

/**
 * The backup `--restore-from` names (or the newest verified one).
 *
 * @throws {Error} naming the store when there is no such backup: a new framework must not
 * start an empty cluster instead.
 */
async function seedOf(
  store: BackupStore,
  id: string | undefined,
  service: BackupService,
  keys: BackupKeys | undefined,
): Promise<BackupRef> {
  const all = await store.list();
  const usable = all.filter((r) => keyProblem(r, keys) === undefined);
  const record = id === undefined ? usable.find((r) => r.verified) : all.find((r) => r.id === id);
  if (record === undefined) {
    throw new Error(
      `--restore-from ${store.url}${id ? `#${id}` : ""}: ${
        id ? `no backup ${id}` : "no verified backup"
      } in the store (${all.length} backups)`,
    );
  }
  const problem = keyProblem(record, keys);
  if (problem !== undefined) throw new Error(`--restore-from ${store.url}: ${problem}`);
  return service.refOf(record);
}
