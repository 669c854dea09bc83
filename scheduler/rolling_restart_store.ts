/**
 * The rolling restart's record (scheduler/core/rolling_restart_run.ts), kept in ZooKeeper at
 * `<chroot>/<framework-name>_rolling_restart` as JSON: the etcd an operator chose (members
 * launched later use it) and the run in progress (which members are done), so a restarted or
 * standby scheduler resumes it.
 *
 * @module
 */
import type { Logger } from "../lib/log.ts";
import { frameworkNode } from "../lib/zk/framework_node.ts";
import { createRecordStore } from "../lib/zk/record_store.ts";
import { parseEtcdSpec } from "../contract/etcd_spec.ts";
import type { RollingRestartRecord } from "./core/rolling_restart_run.ts";

const ROLLING_RESTART_SUFFIX = "rolling_restart";

/** The znode of `frameworkName`'s rolling restart under `chroot`. */
export function rollingRestartNode(chroot: string, frameworkName: string): string {
  return frameworkNode(chroot, frameworkName, ROLLING_RESTART_SUFFIX);
}

const names = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((n) => typeof n === "string");

/**
 * Reads a stored record; throws naming the node and the garbage when it is not one (an
 * etcd spec in it is checked as a request's would be).
 */
export function decodeRollingRestart(text: string, node: string): RollingRestartRecord {
  const bad = (why: string) =>
    new TypeError(
      `Cannot use the rolling restart ${
        JSON.stringify(text.slice(0, 200))
      } stored in ${node}: ${why}`,
    );
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text);
  } catch {
    throw bad("not JSON");
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw bad("not an object");
  if (!Number.isInteger(v.started) || !Number.isInteger(v.finished)) {
    throw bad("expected the counts started and finished");
  }
  const spec = (x: unknown) => {
    try {
      return parseEtcdSpec(x);
    } catch (err) {
      throw bad((err as Error).message);
    }
  };
  const record: RollingRestartRecord = {
    started: v.started as number,
    finished: v.finished as number,
  };
  if (v.spec !== undefined) record.spec = spec(v.spec);
  const run = v.run as Record<string, unknown> | undefined;
  if (run !== undefined) {
    if (
      typeof run !== "object" || run === null || typeof run.id !== "string" ||
      typeof run.startedAt !== "number" || !names(run.targets) || !names(run.done)
    ) {
      throw bad("the run needs an id, startedAt, targets and done");
    }
    record.run = {
      id: run.id,
      spec: spec(run.spec),
      ...(run.previousSpec !== undefined ? { previousSpec: spec(run.previousSpec) } : {}),
      startedAt: run.startedAt,
      targets: run.targets,
      done: run.done,
      ...(typeof run.leaderMovedFrom === "string" ? { leaderMovedFrom: run.leaderMovedFrom } : {}),
      ...(Number.isInteger(run.seq) ? { seq: run.seq as number } : {}),
    };
  }
  const f = v.failed as Record<string, unknown> | undefined;
  if (
    f !== undefined && typeof f === "object" && f !== null && typeof f.at === "number" &&
    typeof f.runId === "string" && typeof f.member === "string" && typeof f.reason === "string"
  ) {
    record.failed = { at: f.at, runId: f.runId, member: f.member, reason: f.reason };
  }
  return record;
}

/** Where the rolling restart's record is kept. */
export interface RollingRestartStore {
  /** The stored record, or undefined when none was ever written. */
  load(): Promise<RollingRestartRecord | undefined>;
  save(record: RollingRestartRecord): Promise<void>;
  close(): Promise<void>;
}

/** The store under the chroot of `zk`. */
export function createRollingRestartStore(
  options: { zk: string; frameworkName: string; logger?: Logger },
): RollingRestartStore {
  return createRecordStore<RollingRestartRecord>({
    ...options,
    suffix: ROLLING_RESTART_SUFFIX,
    codec: { encode: (record) => JSON.stringify(record), decode: decodeRollingRestart },
  });
}
