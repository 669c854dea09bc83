/**
 * Test helper for etcd admin calls: the kind of error a call fails with. Test-only.
 *
 * @module
 */
import assert from "node:assert/strict";
import { EtcdAdminError } from "../admin_errors.ts";

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
