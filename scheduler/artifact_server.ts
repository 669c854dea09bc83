/**
 * Serves the executor artifact and the etcd binary to agents over HTTP (`--artifact-port`),
 * so agents need nothing pre-installed: `GET /<name>` (or `HEAD`) of a configured file;
 * everything else is 404.
 *
 * @module
 */
import { type Logger, silentLogger } from "../lib/log.ts";

/** One file to serve at `/<name>`. */
export interface ArtifactFile {
  /** The URL path segment, e.g. `etcd-mesos-executor.tar.gz`. */
  name: string;
  /** The local file. */
  path: string;
}

/** A running artifact server. */
export interface ArtifactServer {
  /** The port it listens on. */
  readonly port: number;
  /**
   * What agents fetch: `http://<address>:<port>/v/<version>/<name>` for a served file (a
   * changed file gets a new URI, which agents' fetcher caches have not seen), else
   * `http://<address>:<port>/<name>`.
   */
  url(name: string): string;
  /** Stops serving and waits for open requests. Idempotent. */
  close(): Promise<void>;
}

/** Options of {@linkcode startArtifactServer}. */
export interface ArtifactServerOptions {
  files: readonly ArtifactFile[];
  /** Address to bind; default `0.0.0.0` (agents are elsewhere). */
  hostname?: string;
  /** Port; 0 picks a free one. */
  port: number;
  /** The address agents reach this host at, for {@linkcode ArtifactServer.url}. */
  advertise: string;
  logger?: Logger;
  /** Answers paths no file has (e.g. backups' snapshots); `undefined`: 404. */
  extra?: ExtraRoute;
}

/** Serves a path no configured file has, or returns `undefined` (404). */
export type ExtraRoute = (path: string, req: Request) => Promise<Response | undefined>;

function contentType(name: string): string {
  if (/\.(tar\.gz|tgz)$/i.test(name)) return "application/gzip";
  if (/\.tar$/i.test(name)) return "application/x-tar";
  return "application/octet-stream";
}

/** The version prefix of a file's URL (see {@linkcode ArtifactServer.url}). */
const VERSIONED = /^\/v\/[A-Za-z0-9._-]+\//;

/**
 * A file's version for its URL: its size and modification time. Agents cache fetched
 * artifacts by URI and never refresh them, so a changed file must get a new URI.
 */
export function artifactVersion(info: Deno.FileInfo): string {
  return `${info.size.toString(36)}-${(info.mtime?.getTime() ?? 0).toString(36)}`;
}

function notFound(path: string): Response {
  return new Response(`not found: ${path}\n`, {
    status: 404,
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
}

/**
 * The request handler: streams `files` by name.
 *
 * @throws {TypeError} naming a file name that is not a single path segment or repeats.
 */
export function createArtifactHandler(
  files: readonly ArtifactFile[],
  logger: Logger = silentLogger,
  extra?: ExtraRoute,
): (req: Request) => Promise<Response> {
  const byName = new Map<string, string>();
  for (const f of files) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(f.name) || byName.has(f.name)) {
      throw new TypeError(`Cannot serve artifact ${JSON.stringify(f.name)}: bad or repeated name`);
    }
    byName.set(f.name, f.path);
  }
  return async (req) => {
    const path = new URL(req.url).pathname;
    // `/v/<version>/<name>` is `/<name>`: the version only makes the URI new for caches.
    const file = byName.get(decodeURIComponent(path.replace(VERSIONED, "/").slice(1)));
    await req.body?.cancel();
    if (file === undefined && extra !== undefined && req.method === "GET") {
      const res = await extra(path, req);
      if (res !== undefined) return res;
    }
    if (file === undefined || (req.method !== "GET" && req.method !== "HEAD")) {
      return notFound(path);
    }
    let handle: Deno.FsFile;
    try {
      handle = await Deno.open(file, { read: true });
    } catch (error) {
      logger.error("artifact unreadable", { path, file, error });
      return notFound(path);
    }
    const { size } = await handle.stat();
    const headers = {
      "content-type": contentType(path),
      "content-length": String(size),
      "cache-control": "no-cache",
    };
    logger.debug("serving artifact", { path, method: req.method, size });
    if (req.method === "HEAD") {
      handle.close();
      return new Response(null, { headers });
    }
    return new Response(handle.readable, { headers });
  };
}

/**
 * Checks that every file is readable, then serves them.
 *
 * @throws {Deno.errors.NotFound} (naming the file) when one is missing.
 */
export async function startArtifactServer(options: ArtifactServerOptions): Promise<ArtifactServer> {
  const versions = new Map<string, string>();
  for (const f of options.files) {
    const info = await Deno.stat(f.path).catch((e) => {
      throw new Deno.errors.NotFound(`Cannot serve artifact ${f.path}: ${(e as Error).message}`);
    });
    if (!info.isFile) throw new Deno.errors.NotFound(`Cannot serve artifact ${f.path}: not a file`);
    versions.set(f.name, artifactVersion(info));
  }
  const logger = (options.logger ?? silentLogger).child({ component: "artifact-server" });
  const handler = createArtifactHandler(options.files, logger, options.extra);
  const server = Deno.serve({
    hostname: options.hostname ?? "0.0.0.0",
    port: options.port,
    onListen: () => {},
  }, handler);
  const port = server.addr.port;
  const host = options.advertise.includes(":") ? `[${options.advertise}]` : options.advertise;
  logger.info("serving artifacts", {
    port,
    files: options.files.map((f) => `${f.name}=${f.path}`).join(","),
  });
  let closed: Promise<void> | undefined;
  return {
    port,
    url: (name) => {
      const version = versions.get(name);
      return `http://${host}:${port}/${version === undefined ? "" : `v/${version}/`}${name}`;
    },
    close: () => closed ??= server.shutdown(),
  };
}
