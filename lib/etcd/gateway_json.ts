/**
 * The shapes of etcd's JSON gateway answers that several clients read, and its byte
 * encoding. proto3 JSON leaves fields at their zero value out, so every field is optional;
 * uint64s are decimal strings; bytes are base64.
 *
 * @module
 */

/** The header of every answer (etcd names its fields in snake case here). */
export interface GatewayHeader {
  cluster_id?: string;
  member_id?: string;
  revision?: string;
  raft_term?: string;
}

/** One member in cluster/member/* answers. */
export interface GatewayMember {
  ID?: string;
  name?: string;
  peerURLs?: string[];
  clientURLs?: string[];
  isLearner?: boolean;
}

/** One key in a kv/range answer. */
export interface GatewayKeyValue {
  key?: string;
  create_revision?: string;
  mod_revision?: string;
  version?: string;
  value?: string;
}

/** `text` (UTF-8) or bytes as base64, how the gateway takes a bytes field. */
export function toBase64(data: string | Uint8Array): string {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** The bytes of a base64 bytes field. */
export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
