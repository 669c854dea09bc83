/**
 * Opens the {@linkcode BackupStore} a `--backup-store` URL names, with the S3 settings and
 * the standard AWS credential variables.
 *
 * @module
 */
import { FileBackupStore } from "./file_store.ts";
import { S3BackupStore } from "./s3_store.ts";
import { credentialsFromEnv } from "./sigv4.ts";
import { type BackupStore, parseStoreUrl } from "./store.ts";

/** S3 settings (`--backup-s3-endpoint`, `--backup-s3-region`). */
export interface S3Settings {
  /** Default `https://s3.<region>.amazonaws.com`. */
  endpoint?: string;
  /** Default `us-east-1`. */
  region?: string;
  /** Multipart part size; default 8 MiB. */
  partBytes?: number;
}

/**
 * The store at `url`.
 *
 * @throws {TypeError} naming the URL when it is not a store, or a missing AWS variable.
 */
export function openBackupStore(
  url: string,
  s3: S3Settings,
  env: Record<string, string | undefined>,
): BackupStore {
  const at = parseStoreUrl(url);
  if (at.kind === "file") return new FileBackupStore({ dir: at.dir, url });
  const region = s3.region ?? "us-east-1";
  return new S3BackupStore({
    endpoint: s3.endpoint ?? `https://s3.${region}.amazonaws.com`,
    region,
    bucket: at.bucket,
    prefix: at.prefix,
    credentials: credentialsFromEnv(env),
    partBytes: s3.partBytes,
    url,
  });
}
