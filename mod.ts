/**
 * etcd-mesos: an Apache Mesos framework that runs and heals an etcd cluster.
 *
 * This module re-exports the library surface other programs may build on: the Mesos v1
 * protocol layer (codec, RecordIO, types).
 * @module
 */
export * from "./lib/mesos/codec.ts";
export * from "./lib/mesos/recordio.ts";
export type * from "./lib/mesos/types.ts";
export { isTerminal, TERMINAL_TASK_STATES } from "./lib/mesos/types.ts";
