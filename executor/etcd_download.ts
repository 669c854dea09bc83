/**
 * Downloads the etcd binary a rolling restart asks for (contract/etcd_spec.ts `uri`) into
 * the sandbox: `<sandbox>/etcd-releases/<name>`, made executable. The file is written aside
 * and renamed into place, so a binary that runs is never overwritten in place.
 *
 * @module
 */
import { uriBaseName } from "../contract/executor_command.ts";

/** Options of {@linkcode downloadEtcd}. */
export interface DownloadEtcdOptions {
  /** Deadline of the whole download; default 120 s. */
  timeoutMs?: number;
  /** Injected for tests; default the global fetch. */
  fetch?: typeof fetch;
}

/** Where {@linkcode downloadEtcd} puts the binary of `uri`. */
export function downloadedEtcdPath(sandbox: string, uri: string): string {
  const base = uriBaseName(uri).replace(/[^A-Za-z0-9._-]/g, "_");
  return `${sandbox}/etcd-releases/${base === "" || base.startsWith(".") ? "etcd" : base}`;
}

/**
 * Fetches `uri` (http, https or file) into the sandbox, makes it executable and returns its
 * path.
 *
 * @throws {Error} naming the URI and the cause when it cannot be fetched, is empty, or the
 * download takes longer than the deadline.
 */
export async function downloadEtcd(
  uri: string,
  sandbox: string,
  options: DownloadEtcdOptions = {},
): Promise<string> {
  const path = downloadedEtcdPath(sandbox, uri);
  const part = `${path}.part-${crypto.randomUUID().slice(0, 8)}`;
  const timeoutMs = options.timeoutMs ?? 120_000;
  await Deno.mkdir(`${sandbox}/etcd-releases`, { recursive: true });
  try {
    if (uri.startsWith("file:")) {
      await Deno.copyFile(new URL(uri), part);
    } else {
      const res = await (options.fetch ?? fetch)(uri, { signal: AbortSignal.timeout(timeoutMs) });
      if (!res.ok || res.body === null) {
        await res.body?.cancel();
        throw new Error(`HTTP ${res.status}`);
      }
      const file = await Deno.open(part, { write: true, create: true, truncate: true });
      await res.body.pipeTo(file.writable, { signal: AbortSignal.timeout(timeoutMs) });
    }
    if ((await Deno.stat(part)).size === 0) throw new Error("the file is empty");
    await Deno.chmod(part, 0o755);
    await Deno.rename(part, path);
    return path;
  } catch (err) {
    await Deno.remove(part).catch(() => {});
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(`Cannot download etcd from ${JSON.stringify(uri)}: ${why}`);
  }
}
