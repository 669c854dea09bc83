/**
 * Test helper: fills a real etcd until its space quota is exhausted (the NOSPACE alarm), by
 * overwriting a few keys with large values so that the history, not the live data, fills
 * the backend (a compaction and a defragmentation then free it).
 *
 * @module
 */
import { Etcd3 } from "etcd3";

/** What {@linkcode fillUntilNospace} did. */
export interface FillResult {
  /** Puts that succeeded. */
  puts: number;
  /** The error of the refused put (`database space exceeded`). */
  error: string;
}

/**
 * Writes 64 KiB values to `keys` keys in turn at `endpoint` until a put fails with
 * "database space exceeded".
 *
 * @throws {Error} when no put failed after `maxPuts`, or a put failed otherwise.
 */
export async function fillUntilNospace(
  endpoint: string,
  options: { keys?: number; maxPuts?: number } = {},
): Promise<FillResult> {
  const client = new Etcd3({ hosts: [endpoint] });
  const value = "x".repeat(64 * 1024);
  const keys = options.keys ?? 4;
  const maxPuts = options.maxPuts ?? 2000;
  try {
    for (let i = 0; i < maxPuts; i++) {
      try {
        await client.put(`fill/${i % keys}`).value(value);
      } catch (e) {
        const error = e instanceof Error ? e.message : String(e);
        if (/space exceeded/i.test(error)) return { puts: i, error };
        throw e;
      }
    }
    throw new Error(`etcd at ${endpoint} still took writes after ${maxPuts} puts of 64 KiB`);
  } finally {
    client.close();
  }
}

/** One put of a small value; resolves with the error text when refused. */
export async function tryPut(endpoint: string, key = "probe/put"): Promise<string | undefined> {
  const client = new Etcd3({ hosts: [endpoint] });
  try {
    await client.put(key).value("v");
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  } finally {
    client.close();
  }
}
