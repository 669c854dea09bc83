/**
 * Turns the agent's `master` option into a {@linkcode LeaderSource}: a fixed
 * `host:port` / `http://host:port`, a ready-made source, or a plain lookup function.
 *
 * @module
 */
import type { Logger } from "../../log.ts";
import { type LeaderSource, staticLeader } from "../../mesos/leader_source.ts";

/** The forms the agent's `master` option takes. */
export type MasterSpec = string | LeaderSource | (() => Promise<URL | undefined>);

/**
 * Resolves `master` into a leader source.
 *
 * @throws {TypeError} naming the value when it cannot be parsed.
 */
export function resolveMaster(master: MasterSpec, _logger: Logger): LeaderSource {
  if (typeof master === "function") return { current: master };
  if (typeof master !== "string") return master;
  if (/^zk:\/\//i.test(master.trim())) {
    throw new TypeError(
      `Cannot follow master "${master}": zk:// needs lib/mesos/master_detector.ts`,
    );
  }
  return staticLeader(master);
}
