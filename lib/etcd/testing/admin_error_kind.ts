/**
 * Test helpers for etcd admin calls: the kind of error a call fails with, and a free
 * loopback port (for an endpoint nothing listens on). Test-only.
 *
 * @module
 */
import assert from "node:assert/strict";
import { EtcdAdminError } from "../admin_errors.ts";

/** A loopback port free right now (nothing listens on it after this returns). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** The {@linkcode EtcdAdminError} kind `p` rejects with; fails the test when it succeeds. */
export async function kindOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof EtcdAdminError, `not an EtcdAdminError: ${err}`);
    return err.kind;
  }
  assert.fail("the call succeeded");
}
