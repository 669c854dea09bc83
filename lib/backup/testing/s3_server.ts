/**
 * Test harness: a real S3-compatible server (npm `s3rver`) in a process of its own on a free
 * 127.0.0.1 port, with fresh buckets, stopped (and its files removed) by `stop()`.
 *
 * s3rver checks Signature V4 against its fixed credentials {@linkcode S3RVER_CREDENTIALS}.
 *
 * @module
 */
import type { AwsCredentials } from "../sigv4.ts";

/** The credentials s3rver accepts. */
export const S3RVER_CREDENTIALS: AwsCredentials = {
  accessKeyId: "S3RVER",
  secretAccessKey: "S3RVER",
};

/** A running s3rver. */
export interface S3Server {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  /** Kills it and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

const MAIN = new URL("./s3rver_main.ts", import.meta.url).pathname;
const CONFIG = new URL("../../../deno.json", import.meta.url).pathname;

/** Starts s3rver with `buckets` and resolves once it listens. */
export async function startS3Server(buckets: readonly string[]): Promise<S3Server> {
  const dir = await Deno.makeTempDir({ prefix: "s3rver-" });
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", `--config=${CONFIG}`, MAIN, dir, ...buckets],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try {
      child.kill("SIGKILL");
    } catch {
      // gone already
    }
    await child.stdin.close().catch(() => {});
    await reader.cancel().catch(() => {});
    await child.status;
    await stderr.catch(() => "");
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  const deadline = Date.now() + 60_000;
  while (!out.includes("\n")) {
    let id: ReturnType<typeof setTimeout> | undefined;
    const timer = new Promise<{ done: true; value: undefined }>((r) =>
      id = setTimeout(() => r({ done: true, value: undefined }), Math.max(0, deadline - Date.now()))
    );
    const { done, value } = await Promise.race([reader.read(), timer]);
    clearTimeout(id);
    if (done) {
      await stop();
      throw new Error(`s3rver did not start: ${out}${await stderr.catch(() => "")}`);
    }
    out += value;
  }
  const { port } = JSON.parse(out.split("\n")[0]!);
  return { endpoint: `http://127.0.0.1:${port}`, stop };
}
