/**
 * etcd-mesos: an Apache Mesos framework that runs and heals an etcd cluster.
 *
 * This module re-exports the library surface other programs may build on: the Mesos v1
 * protocol layer (codec, RecordIO, types).
 * @module
 */
export { base64ToBytes, bytesToBase64 } from "./lib/mesos/base64.ts";
export { CodecError, NotInitializedError } from "./lib/mesos/codec_errors.ts";
export { CONTENT_TYPE, decodeMessage, encodeMessage, type Encoding } from "./lib/mesos/encoding.ts";
export { fromJsonText, fromJsonValue } from "./lib/mesos/json_decode.ts";
export { formatDouble, toJsonText } from "./lib/mesos/json_encode.ts";
export type { Plain } from "./lib/mesos/plain.ts";
export { fromProtobuf, toProtobuf } from "./lib/mesos/protobuf_codec.ts";
export { missingRequiredFields } from "./lib/mesos/required_fields.ts";
export * from "./lib/mesos/recordio.ts";
export type * from "./lib/mesos/types.ts";
export { isTerminal, TERMINAL_TASK_STATES } from "./lib/mesos/types.ts";
