/**
 * Talking to the etcd cluster of an end-to-end test: the members' client URLs, a write and
 * a quorum read. Test-only.
 *
 * @module
 */
import { Etcd3 } from "etcd3";
import { GRPC_CHANNEL_OPTIONS } from "../../lib/etcd/testing/etcd3_options.ts";
import type { MemberView } from "../../scheduler/core/views.ts";

/** Client URLs of `members`. */
export function endpointsOf(members: readonly MemberView[]): string[] {
  return members.map((m) => `http://${m.host}:${m.clientPort}`);
}

/** Writes `key` through the cluster. */
export async function writeKey(endpoints: string[], key: string, value: string): Promise<void> {
  const client = new Etcd3({
    hosts: endpoints,
    dialTimeout: 3000,
    grpcOptions: { ...GRPC_CHANNEL_OPTIONS },
  });
  try {
    await client.put(key).value(value);
  } finally {
    client.close();
  }
}

/** Reads `key` (a quorum read) through the cluster. */
export async function readKey(endpoints: string[], key: string): Promise<string | null> {
  const client = new Etcd3({
    hosts: endpoints,
    dialTimeout: 3000,
    grpcOptions: { ...GRPC_CHANNEL_OPTIONS },
  });
  try {
    return await client.get(key).string();
  } finally {
    client.close();
  }
}
