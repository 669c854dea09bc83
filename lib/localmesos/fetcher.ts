/**
 * The local agent's fetcher: puts an executor's `CommandInfo.uris` into its sandbox the way
 * the Mesos fetcher does (protocol doc §7).
 *
 * - An absolute path or a `file://` URI is copied; `http://` and `https://` are downloaded.
 * - The local name is `output_file` when set, else the text after the last `/` of the URI
 *   (a `?query` included, as Mesos does).
 * - `executable: true` → mode 0755 and never extracted.
 * - `extract` (default true): `.tar .tgz .tar.gz .tbz2 .tar.bz2 .txz .tar.xz` are unpacked
 *   with `tar`, `.zip` with `unzip`, into the sandbox root; a bare `.gz` is gunzipped next
 *   to itself. The archive itself stays in the sandbox. Other names are left as they are.
 * - `cache: true` goes through the agent's cache in `cacheDir` (see `fetcher_cache.ts`): one
 *   download per user and URI, never refreshed, least recently used entries evicted.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import { silentLogger } from "../log.ts";
import { fetchThroughCache } from "./fetcher_cache.ts";

/** One `mesos.v1.CommandInfo.URI` (plain message). */
export interface FetchUri {
  value: string;
  executable?: boolean;
  extract?: boolean;
  cache?: boolean;
  output_file?: string;
}

/** A URI that could not be fetched; the message says which one and why. */
export class FetchError extends Error {
  constructor(readonly uri: string, reason: string) {
    super(`Failed to fetch '${uri}': ${reason}`);
    this.name = "FetchError";
  }
}

/** Options for {@linkcode fetchUris}. */
export interface FetchOptions {
  /** Where `cache: true` URIs are kept; without it every URI is fetched afresh. */
  cacheDir?: string;
  /** Whom the fetch is for: cache entries are per user and URI. */
  user?: string;
  /** The cache's size limit in bytes (default 2 GB, as Mesos' `--fetcher_cache_size`). */
  cacheMaxBytes?: number;
  logger?: Logger;
  /** HTTP client; default the global `fetch`. */
  fetch?: typeof fetch;
}

/** What {@linkcode fetchUris} did with one URI. */
export interface FetchedUri {
  uri: string;
  /** Absolute path of the fetched file inside the sandbox. */
  path: string;
  /** True when it was unpacked (tar, zip or gunzip). */
  extracted: boolean;
  /** True when it came from the cache without a download or copy of the source. */
  fromCache: boolean;
}

const TAR_SUFFIXES = [".tar", ".tgz", ".tar.gz", ".tbz2", ".tar.bz2", ".txz", ".tar.xz"];

/**
 * Fetches every URI, in order, into `sandboxDir` (which must exist).
 *
 * @throws {FetchError} naming the first URI that failed and the reason.
 */
export async function fetchUris(
  uris: readonly FetchUri[],
  sandboxDir: string,
  options: FetchOptions = {},
): Promise<FetchedUri[]> {
  const done: FetchedUri[] = [];
  for (const uri of uris) done.push(await fetchOne(uri, sandboxDir, options));
  return done;
}

/** The file name a URI gets in the sandbox: `output_file`, else the text after the last `/`. */
export function localName(uri: FetchUri): string {
  if (uri.output_file !== undefined && uri.output_file !== "") return uri.output_file;
  const value = uri.value;
  return value.slice(value.lastIndexOf("/") + 1);
}

/** How a fetched file is unpacked: by `tar`, `unzip`, `gunzip`, or not at all. */
export function extractionKind(name: string): "tar" | "zip" | "gz" | undefined {
  if (TAR_SUFFIXES.some((s) => name.endsWith(s))) return "tar";
  if (name.endsWith(".zip")) return "zip";
  if (name.endsWith(".gz")) return "gz";
  return undefined;
}

async function fetchOne(uri: FetchUri, sandboxDir: string, options: FetchOptions) {
  const log = (options.logger ?? silentLogger).child({ uri: uri.value });
  const name = localName(uri);
  if (name === "" || name === "." || name === "..") {
    throw new FetchError(uri.value, `cannot derive a file name (got "${name}")`);
  }
  if (name.startsWith("/") || name.split("/").includes("..")) {
    throw new FetchError(uri.value, `output_file "${name}" must be relative to the sandbox`);
  }
  const dest = `${sandboxDir}/${name}`;
  if (name.includes("/")) {
    await Deno.mkdir(dest.slice(0, dest.lastIndexOf("/")), { recursive: true });
  }
  let fromCache = false;
  if (uri.cache && options.cacheDir !== undefined) {
    const outcome = await fetchThroughCache(uri.value, dest, {
      cacheDir: options.cacheDir,
      user: options.user,
      maxBytes: options.cacheMaxBytes,
      logger: log,
      download: (to) => download(uri.value, to, options),
    });
    fromCache = outcome === "hit" || outcome === "shared";
  } else {
    await download(uri.value, dest, options);
  }
  log.debug("fetched", { path: dest, from_cache: fromCache });
  let extracted = false;
  if (uri.executable) {
    await Deno.chmod(dest, 0o755);
  } else if (uri.extract ?? true) {
    extracted = await extract(uri.value, dest, sandboxDir);
  }
  return { uri: uri.value, path: dest, extracted, fromCache };
}

async function download(value: string, dest: string, options: FetchOptions): Promise<void> {
  if (value.startsWith("http://") || value.startsWith("https://")) {
    return await downloadHttp(value, dest, options.fetch ?? fetch);
  }
  const path = value.startsWith("file://") ? value.slice("file://".length) : value;
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(path)) {
    const scheme = path.slice(0, path.indexOf(":"));
    throw new FetchError(
      value,
      `unsupported scheme "${scheme}" (use a path, file:// or http(s)://)`,
    );
  }
  if (!path.startsWith("/")) {
    throw new FetchError(value, "a relative path needs a frameworks home, which is not set");
  }
  try {
    await Deno.copyFile(path, dest);
  } catch (e) {
    throw new FetchError(value, `cannot copy ${path}: ${(e as Error).message}`);
  }
}

async function downloadHttp(url: string, dest: string, fetchFn: typeof fetch): Promise<void> {
  let response: Response;
  try {
    response = await fetchFn(url, { redirect: "follow" });
  } catch (e) {
    throw new FetchError(url, (e as Error).message);
  }
  if (!response.ok || response.body === null) {
    await response.body?.cancel();
    throw new FetchError(url, `HTTP ${response.status} ${response.statusText}`.trimEnd());
  }
  let file: Deno.FsFile | undefined;
  try {
    file = await Deno.open(dest, { write: true, create: true, truncate: true });
    await response.body.pipeTo(file.writable); // closes the file
    file = undefined;
  } catch (e) {
    file?.close();
    throw new FetchError(url, `download failed: ${(e as Error).message}`);
  }
}

async function extract(value: string, path: string, sandboxDir: string): Promise<boolean> {
  const kind = extractionKind(path.slice(path.lastIndexOf("/") + 1));
  if (kind === undefined) return false;
  if (kind === "tar") {
    await run(value, "tar", ["-C", sandboxDir, "-xf", path]);
  } else if (kind === "zip") {
    await run(value, "unzip", ["-o", "-q", "-d", sandboxDir, path]);
  } else {
    const out = path.slice(0, -".gz".length);
    await run(value, "sh", ["-c", 'gzip -d -c -- "$1" > "$2"', "gunzip", path, out]);
  }
  return true;
}

async function run(value: string, cmd: string, args: string[]): Promise<void> {
  let result: Deno.CommandOutput;
  try {
    result = await new Deno.Command(cmd, { args, stdin: "null", stdout: "piped", stderr: "piped" })
      .output();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new FetchError(value, `cannot extract: '${cmd}' is not installed`);
    }
    throw new FetchError(value, `cannot run ${cmd}: ${(e as Error).message}`);
  }
  if (!result.success) {
    const stderr = new TextDecoder().decode(result.stderr).trim();
    throw new FetchError(
      value,
      `${cmd} exited with status ${result.code}${stderr ? `: ${stderr}` : ""}`,
    );
  }
}
