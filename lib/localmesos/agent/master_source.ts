/**
 * Turns the agent's `master` option into a {@linkcode LeaderSource}: a `--master` string
 * (`host:port`, `http://host:port`, `zk://host:2181/mesos`) gets its own master detector,
 * which the agent closes when it stops; a ready-made source or a plain lookup function is
 * used as given.
 *
 * @module
 */
import type { Clock } from "../../clock.ts";
import type { Logger } from "../../log.ts";
import type { LeaderSource } from "../../mesos/leader_source.ts";
import { createMasterDetector } from "../../mesos/master_detector.ts";

/** The forms the agent's `master` option takes. */
export type MasterSpec = string | LeaderSource | (() => Promise<URL | undefined>);

/** A leader source and how to release it. */
export interface ResolvedMaster {
  source: LeaderSource;
  /** Closes a detector created here (no-op for caller-owned sources). */
  close(): Promise<void>;
}

/**
 * Resolves `master` into a leader source.
 *
 * @throws {RangeError} naming the value when a string cannot be parsed.
 */
export function resolveMaster(
  master: MasterSpec,
  options: { logger: Logger; clock: Clock },
): ResolvedMaster {
  if (typeof master === "function") return { source: { current: master }, close: async () => {} };
  if (typeof master !== "string") return { source: master, close: async () => {} };
  const detector = createMasterDetector(master, options);
  return { source: detector, close: () => detector.close() };
}
