/**
 * Writes a key to a test etcd over its JSON gateway. Test-only.
 *
 * @module
 */
import assert from "node:assert/strict";

/** `PUT key=value` on the etcd at `clientUrl` (`http://host:port`); asserts it succeeded. */
export async function putKey(clientUrl: string, key: string, value: string): Promise<void> {
  const res = await fetch(`${clientUrl}/v3/kv/put`, {
    method: "POST",
    body: JSON.stringify({ key: btoa(key), value: btoa(value) }),
  });
  await res.body?.cancel();
  assert.ok(res.ok);
}
