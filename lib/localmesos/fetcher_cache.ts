/**
 * The agent's fetcher cache, as Mesos keeps it (docs: "Mesos Fetcher", cache section):
 *
 * - A `cache: true` URI is downloaded once into the agent's cache directory and copied into
 *   each sandbox from there; the entry is never refreshed (a new artifact needs a new URI).
 * - An entry is keyed by the user and the URI: the same URI fetched for another user is
 *   another entry.
 * - Fetches of one entry that overlap share one download.
 * - The cache has a size limit: least recently used entries are evicted to make room, and a
 *   file larger than the whole limit goes straight into the sandbox, uncached.
 * - Whatever goes wrong with the cache itself (not the download), the fetch still succeeds
 *   by downloading into the sandbox directly.
 *
 * @module
 */
import { type Logger, silentLogger } from "../log.ts";

/** The default size limit, Mesos' `--fetcher_cache_size`: 2 GB. */
export const DEFAULT_CACHE_BYTES = 2 * 1024 ** 3;

/** Options of {@linkcode fetchThroughCache}. */
export interface CacheOptions {
  /** The agent's cache directory (created when missing). */
  cacheDir: string;
  /** Whom the fetch is for; part of the cache key. */
  user?: string;
  /** The size limit in bytes; default {@linkcode DEFAULT_CACHE_BYTES}. */
  maxBytes?: number;
  logger?: Logger;
  /** Downloads (or copies) the URI to a path; its errors are the fetch's errors. */
  download: (dest: string) => Promise<void>;
}

/** Where a fetch through the cache got its bytes from. */
export type CacheOutcome = "hit" | "shared" | "downloaded" | "uncached";

/** Lookups and downloads in flight, by cache file: overlapping fetches of one entry share them. */
const inFlight = new Map<string, Promise<CacheOutcome>>();

/** The cache file name of `uri` fetched for `user`: a SHA-256 of both. */
export async function cacheKey(uri: string, user = ""): Promise<string> {
  const bytes = new TextEncoder().encode(`${user}\n${uri}`);
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Puts `uri` at `dest` through the cache; says where the bytes came from. */
export async function fetchThroughCache(
  uri: string,
  dest: string,
  options: CacheOptions,
): Promise<CacheOutcome> {
  const log = options.logger ?? silentLogger;
  const cached = `${options.cacheDir}/${await cacheKey(uri, options.user)}`;
  try {
    await Deno.mkdir(options.cacheDir, { recursive: true });
  } catch (e) {
    log.warn("fetcher cache unusable; fetching directly", { error: (e as Error).message });
    await options.download(dest);
    return "uncached";
  }
  const pending = inFlight.get(cached);
  if (pending !== undefined) {
    const first = await pending;
    if (first === "uncached") {
      await options.download(dest);
      return "uncached";
    }
    return await copyOut(cached, dest, first === "hit" ? "hit" : "shared", options);
  }
  // Registered before any await, so an overlapping fetch of this entry finds it.
  const job = (async (): Promise<CacheOutcome> => {
    if (await touch(cached)) return "hit";
    return await fill(cached, options) ? "downloaded" : "uncached";
  })();
  inFlight.set(cached, job);
  let outcome: CacheOutcome;
  try {
    outcome = await job;
  } finally {
    inFlight.delete(cached);
  }
  if (outcome === "uncached") {
    await options.download(dest);
    return outcome;
  }
  return await copyOut(cached, dest, outcome, options);
}

/** Marks an entry as just used; false when there is none. */
async function touch(cached: string): Promise<boolean> {
  try {
    const now = new Date();
    await Deno.utime(cached, now, now);
    return true;
  } catch {
    return false;
  }
}

/** Downloads into the cache; false when the file does not fit (it is then dropped). */
async function fill(cached: string, options: CacheOptions): Promise<boolean> {
  const partial = `${cached}.partial.${crypto.randomUUID()}`;
  try {
    await options.download(partial);
    const { size } = await Deno.stat(partial);
    const max = options.maxBytes ?? DEFAULT_CACHE_BYTES;
    if (size > max) {
      (options.logger ?? silentLogger).info("too large for the fetcher cache", { size, max });
      await Deno.remove(partial);
      return false;
    }
    await evict(options.cacheDir, max - size, options.logger ?? silentLogger);
    await Deno.rename(partial, cached);
    return true;
  } catch (e) {
    await Deno.remove(partial).catch(() => {});
    throw e;
  }
}

/** Removes least recently used entries until the rest take at most `room` bytes. */
async function evict(cacheDir: string, room: number, log: Logger): Promise<void> {
  const entries: { path: string; size: number; used: number }[] = [];
  for await (const e of Deno.readDir(cacheDir)) {
    if (!e.isFile || e.name.includes(".partial.")) continue;
    const path = `${cacheDir}/${e.name}`;
    const info = await Deno.stat(path).catch(() => undefined);
    if (info !== undefined) {
      entries.push({ path, size: info.size, used: info.mtime?.getTime() ?? 0 });
    }
  }
  entries.sort((a, b) => a.used - b.used);
  let total = entries.reduce((sum, e) => sum + e.size, 0);
  for (const e of entries) {
    if (total <= room) break;
    await Deno.remove(e.path).catch(() => {});
    total -= e.size;
    log.info("evicted from the fetcher cache", { entry: e.path, size: e.size });
  }
}

async function copyOut(
  cached: string,
  dest: string,
  outcome: CacheOutcome,
  options: CacheOptions,
): Promise<CacheOutcome> {
  try {
    await Deno.copyFile(cached, dest);
    return outcome;
  } catch (e) {
    // Evicted meanwhile, or the copy failed: the sandbox still gets its file.
    (options.logger ?? silentLogger).warn("fetcher cache copy failed; fetching directly", {
      error: (e as Error).message,
    });
    await options.download(dest);
    return "uncached";
  }
}
