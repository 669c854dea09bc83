/**
 * The chaos run's client: writes `chaos/<seq>` one after another (zero-padded, value = seq),
 * records each acknowledged write with the revision in its response, retries the same key
 * after a failure, and follows membership changes through a callback for endpoints.
 *
 * @module
 */
import { Etcd3 } from "etcd3";
import { GRPC_CHANNEL_OPTIONS } from "../../lib/etcd/testing/etcd3_options.ts";
import type { Logger } from "../../lib/log.ts";
import type { AckedWrite } from "./verdict.ts";

/** The key prefix of every chaos write. */
export const CHAOS_PREFIX = "chaos/";

/** The key of write number `seq`. */
export function chaosKey(seq: number): string {
  return `${CHAOS_PREFIX}${String(seq).padStart(8, "0")}`;
}

/** Options of {@linkcode startWriter}. */
export interface WriterOptions {
  /** Current client URLs of the members (may throw while the scheduler is down). */
  endpoints: () => Promise<string[]>;
  logger: Logger;
  /** Deadline of one put in ms (default 3000). */
  timeoutMs?: number;
  /** Pause between writes in ms (default 20). */
  pauseMs?: number;
}

/** A running writer. */
export interface Writer {
  /** Acknowledged writes so far (in order). */
  readonly acked: readonly AckedWrite[];
  /** Failed attempts so far. */
  readonly failures: number;
  /** Stops writing; resolves once the last attempt ended. */
  stop(): Promise<void>;
}

/** Starts writing in the background. */
export function startWriter(options: WriterOptions): Writer {
  const acked: AckedWrite[] = [];
  const timeoutMs = options.timeoutMs ?? 3000;
  const pauseMs = options.pauseMs ?? 20;
  let failures = 0;
  let stopped = false;
  let client: Etcd3 | undefined;
  let hosts = "";
  let wake: (() => void) | undefined;
  const pause = (ms: number) =>
    new Promise<void>((r) => {
      const t = setTimeout(() => (wake = undefined, r()), ms);
      wake = () => (clearTimeout(t), wake = undefined, r());
    });

  const connect = async () => {
    const eps = await options.endpoints().catch(() => [] as string[]);
    if (eps.length === 0) return;
    const next = [...eps].sort().join(",");
    if (client && next === hosts) return;
    client?.close();
    hosts = next;
    client = new Etcd3({ hosts: eps, dialTimeout: 2000, grpcOptions: { ...GRPC_CHANNEL_OPTIONS } });
  };

  const loop = (async () => {
    let seq = 1;
    let sinceRefresh = 0;
    while (!stopped) {
      if (!client || sinceRefresh++ > 100) {
        sinceRefresh = 0;
        await connect();
        if (!client) {
          await pause(500);
          continue;
        }
      }
      const key = chaosKey(seq);
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        const put = client.put(key).value(String(seq)).exec();
        put.catch(() => {});
        const res = await Promise.race([
          put,
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`put ${key} timed out`)), timeoutMs);
          }),
        ]);
        acked.push({ seq, key, revision: Number(res.header.revision), at: Date.now() });
        seq++;
        if (pauseMs > 0) await pause(pauseMs);
      } catch (e) {
        failures++;
        if (failures % 20 === 1) {
          options.logger.info("write failed; retrying", { key, error: (e as Error).message });
        }
        client?.close();
        client = undefined;
        await pause(300);
      } finally {
        clearTimeout(timer);
      }
    }
    client?.close();
  })();

  return {
    acked,
    get failures() {
      return failures;
    },
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}

/** Every `chaos/` key present now (a linearizable read through `endpoints`). */
export async function presentKeys(endpoints: string[]): Promise<Set<string>> {
  const client = new Etcd3({
    hosts: endpoints,
    dialTimeout: 3000,
    grpcOptions: { ...GRPC_CHANNEL_OPTIONS },
  });
  try {
    return new Set(await client.getAll().prefix(CHAOS_PREFIX).keys());
  } finally {
    client.close();
  }
}
