/**
 * Deprecated: the Mesos message codec now lives in single-concept files; import from them.
 * This re-export goes away once its last importers have moved.
 *
 * - codec_errors.ts: `CodecError`, `NotInitializedError`
 * - plain.ts: `Plain`, the in-memory form of a message
 * - encoding.ts: `Encoding`, `CONTENT_TYPE`, `encodeMessage`, `decodeMessage`
 * - json_encode.ts / json_decode.ts: JSON as Mesos writes and reads it
 * - protobuf_codec.ts: `toProtobuf`, `fromProtobuf`
 * - required_fields.ts: `missingRequiredFields`
 * - base64.ts: `bytesToBase64`, `base64ToBytes`
 *
 * @module
 */
export { base64ToBytes, bytesToBase64 } from "./base64.ts";
export { CodecError, NotInitializedError } from "./codec_errors.ts";
export { CONTENT_TYPE, decodeMessage, encodeMessage, type Encoding } from "./encoding.ts";
export { fromJsonText, fromJsonValue } from "./json_decode.ts";
export { formatDouble, toJsonText } from "./json_encode.ts";
export type { Plain } from "./plain.ts";
export { fromProtobuf, toProtobuf } from "./protobuf_codec.ts";
export { missingRequiredFields } from "./required_fields.ts";
