/**
 * The admin API's backup and restore endpoints (the handler checks the token of every POST
 * before these run):
 *
 * | path | method | response |
 * |---|---|---|
 * | `/backups` | GET | 200 `{"store": url, "backups": [record…]}` newest first; 404 without `--backup-store` |
 * | `/backups` | POST | 201 with the new backup's record; 409 while one is being taken; 502 with the reason when it fails |
 * | `/restore` | POST | body `{"backup": ID, "force": false}`: 202 with the core's decision, 409 refused (e.g. an unverified backup without `force`), 404 unknown backup, 400 bad body |
 *
 * @module
 */
import type { BackupRecord } from "../../lib/backup/record.ts";
import type { Logger } from "../../lib/log.ts";
import type { BackupMetrics } from "./backup_metrics.ts";

/** What the admin API asks of the backup service. */
export interface AdminBackups {
  /** The store's URL and every committed backup, newest first. */
  list(): Promise<{ store: string; backups: BackupRecord[] }>;
  /** Takes a backup now. @throws {BackupBusyError} while one is being taken. */
  take(): Promise<BackupRecord>;
  /**
   * Asks the core to restore backup `id` (`force`: even unverified); `undefined` when there
   * is no such backup.
   */
  restore(
    id: string,
    force: boolean,
  ): Promise<{ accepted: boolean; message: string } | undefined>;
  metrics(): BackupMetrics;
}

/** A backup is already being taken. */
export class BackupBusyError extends Error {
  /** When it started (ms since the epoch). */
  readonly since: number;
  /** Creates the error naming when the running backup started. */
  constructor(since: number) {
    super(`a backup is already being taken (since ${new Date(since).toISOString()})`);
    this.name = "BackupBusyError";
    this.since = since;
  }
}

type Handle = (req: Request, body: Uint8Array) => Response | Promise<Response>;

function text(body: string, status: number): Response {
  return new Response(body + "\n", {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
  });
}

function json(value: unknown, status = 200): Response {
  return new Response(JSON.stringify(value), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });
}

/** Parses `{"backup": ID, "force"?: bool}`; a string is the reason it is not one. */
export function parseRestoreBody(body: Uint8Array): { id: string; force: boolean } | string {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder().decode(body));
  } catch {
    return 'expected a JSON body {"backup": "<id>"}';
  }
  const o = v as Record<string, unknown> | null;
  if (o === null || typeof o !== "object" || typeof o.backup !== "string" || o.backup === "") {
    return `expected {"backup": "<id>"}, got ${JSON.stringify(v)?.slice(0, 200)}`;
  }
  if (o.force !== undefined && typeof o.force !== "boolean") {
    return `"force" ${JSON.stringify(o.force)} is not true or false`;
  }
  return { id: o.backup, force: o.force === true };
}

/** The routes, given the backup service (absent: backups are off) and the standby check. */
export function backupRoutes(
  backups: AdminBackups | undefined,
  standby: () => string | undefined,
  log: Logger,
): Record<string, { methods: string[]; handle: Handle }> {
  const off = () => text("backups are off: start the scheduler with --backup-store", 404);
  const onStandby = () => {
    const s = standby();
    return s === undefined ? undefined : text(`standby: ${s}; ask the leader`, 503);
  };
  return {
    "/backups": {
      methods: ["GET", "HEAD", "POST"],
      handle: async (req) => {
        if (backups === undefined) return off();
        if (req.method !== "POST") {
          try {
            return json(await backups.list());
          } catch (error) {
            log.warn("admin: listing backups failed", { error });
            return text(`cannot list backups: ${(error as Error).message}`, 502);
          }
        }
        const no = onStandby();
        if (no !== undefined) return no;
        log.info("admin: backup requested");
        try {
          return json(await backups.take(), 201);
        } catch (error) {
          if (error instanceof BackupBusyError) return text(error.message, 409);
          return text(`backup failed: ${(error as Error).message}`, 502);
        }
      },
    },
    "/restore": {
      methods: ["POST"],
      handle: async (_req, body) => {
        if (backups === undefined) return off();
        const no = onStandby();
        if (no !== undefined) return no;
        const parsed = parseRestoreBody(body);
        if (typeof parsed === "string") return text(`bad restore request: ${parsed}`, 400);
        log.warn("admin: restore requested", { backup: parsed.id, force: parsed.force });
        let answer: Awaited<ReturnType<AdminBackups["restore"]>>;
        try {
          answer = await backups.restore(parsed.id, parsed.force);
        } catch (error) {
          return text(`cannot restore: ${(error as Error).message}`, 502);
        }
        if (answer === undefined) return text(`no backup ${JSON.stringify(parsed.id)}`, 404);
        return answer.accepted
          ? text(`restoring: ${answer.message}`, 202)
          : text(`restore refused: ${answer.message}`, 409);
      },
    },
  };
}
