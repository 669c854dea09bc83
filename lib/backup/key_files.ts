/**
 * Reading the backup keys the flags name (I/O at startup, before anything else starts):
 * `--backup-encryption-key-file` (encrypts new backups, decrypts too) and
 * `--backup-decryption-key-files` (older keys, to restore backups taken before a rotation).
 * Also the secret behind the download tokens of encrypted backups (see
 * {@linkcode downloadToken}). No message ever holds a key.
 *
 * @module
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { type BackupKey, deriveSecret, importBackupKey, parseKeyFile } from "./encryption.ts";

/** The keys a scheduler holds. */
export interface BackupKeys {
  /** Encrypts new backups; unset: new backups are stored in plaintext. */
  current?: BackupKey;
  /** Every key (the current one first), to decrypt. */
  all: BackupKey[];
  /** HMAC secret of download tokens (derived from the first key; not a key itself). */
  tokenSecret: Uint8Array;
}

async function readKey(flag: string, path: string): Promise<BackupKey> {
  let content: Uint8Array;
  try {
    content = await Deno.readFile(path);
  } catch (e) {
    throw new TypeError(`Cannot read ${flag} ${JSON.stringify(path)}: ${(e as Error).message}`);
  }
  try {
    return await importBackupKey(parseKeyFile(path, content));
  } catch (e) {
    throw new TypeError(`${flag}: ${(e as Error).message}`);
  } finally {
    content.fill(0);
  }
}

/**
 * Reads the key files; `undefined` when none is given.
 *
 * @throws {TypeError} naming the flag and the file that cannot be used (never its content).
 */
export async function loadBackupKeys(
  encryptionKeyFile: string | undefined,
  decryptionKeyFiles: readonly string[] = [],
): Promise<BackupKeys | undefined> {
  const current = encryptionKeyFile === undefined
    ? undefined
    : await readKey("--backup-encryption-key-file", encryptionKeyFile);
  const all = current === undefined ? [] : [current];
  for (const path of decryptionKeyFiles) {
    const key = await readKey("--backup-decryption-key-files", path);
    if (!all.some((k) => k.id === key.id)) all.push(key);
  }
  if (all.length === 0) return undefined;
  const tokenSecret = await deriveSecret(all[0]!, "etcd-mesos backup download token");
  return { ...(current ? { current } : {}), all, tokenSecret };
}

/**
 * The token that lets an executor download the decrypted snapshot of backup `id` from the
 * scheduler (`?t=` of its URL): HMAC-SHA-256 of the id, 128 bits. It opens that one backup
 * and nothing else; the key never leaves the scheduler.
 */
export function downloadToken(secret: Uint8Array, id: string): string {
  return createHmac("sha256", secret).update(id).digest("hex").slice(0, 32);
}

/** True when `token` is {@linkcode downloadToken} of `id` (constant time). */
export function checkDownloadToken(
  secret: Uint8Array,
  id: string,
  token: string | null,
): boolean {
  const want = new TextEncoder().encode(downloadToken(secret, id));
  const got = new TextEncoder().encode(token ?? "");
  return got.length === want.length && timingSafeEqual(got, want);
}

/** Why `record` cannot be decrypted with `keys`, or `undefined` when it can (or is plain). */
export function keyProblem(
  record: { id: string; encrypted?: boolean; key_id?: string },
  keys: BackupKeys | undefined,
): string | undefined {
  if (record.encrypted !== true) return undefined;
  if (keys?.all.some((k) => k.id === record.key_id)) return undefined;
  const have = keys === undefined
    ? "no key is given"
    : `the keys given are ${keys.all.map((k) => k.id).join(", ")}`;
  return `backup ${record.id} is encrypted with key ${record.key_id}, and ${have} ` +
    `(--backup-encryption-key-file, --backup-decryption-key-files)`;
}
