import assert from "node:assert/strict";
import { createEtcdAdminClient } from "./admin_client.ts";
import { normalizeEndpoint, positiveTimeout } from "./endpoints.ts";
import { startEtcd } from "./testing/etcd_server.ts";
import { kindOf } from "./testing/admin_error_kind.ts";
import { freePort } from "../free_ports.ts";

Deno.test("unreachable and silent endpoints fail fast with unavailable and timeout", async () => {
  const admin = createEtcdAdminClient({ endpoints: [], timeoutMs: 400 });
  const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const c of silent) conns.push(c);
  })();
  try {
    const closedPort = freePort();
    const started = Date.now();
    assert.equal(await kindOf(admin.status(`http://127.0.0.1:${closedPort}`)), "unavailable");
    const port = (silent.addr as Deno.NetAddr).port;
    assert.equal(await kindOf(admin.status(`127.0.0.1:${port}`)), "timeout");
    assert.ok(Date.now() - started < 3000, "calls did not honour the timeout");
    assert.equal(await kindOf(admin.memberList()), "unavailable", "no endpoints configured");
  } finally {
    admin.close();
    silent.close();
    await accepting.catch(() => {});
    for (const c of conns) c.close();
  }
});

Deno.test("close() releases the client; later calls fail with kind closed", async () => {
  const etcd = await startEtcd();
  const admin = createEtcdAdminClient({ endpoints: [etcd.clientUrl] });
  try {
    await admin.status(etcd.clientUrl);
    admin.close();
    assert.equal(await kindOf(admin.status(etcd.clientUrl)), "closed");
  } finally {
    await etcd.stop();
  }
});

Deno.test("normalizeEndpoint() strips the scheme and slashes and names a bad endpoint", () => {
  assert.equal(normalizeEndpoint(" https://etcd-1.example:2379// "), "etcd-1.example:2379");
  assert.equal(normalizeEndpoint("[::1]:2379"), "[::1]:2379");
  assert.throws(
    () => normalizeEndpoint("http://host"),
    /"http:\/\/host": expected http:\/\/host:port/,
  );
  assert.throws(() => normalizeEndpoint(""), TypeError);
});

Deno.test("positiveTimeout() names the option and the value it refuses", () => {
  assert.equal(positiveTimeout("timeoutMs", 250), 250);
  assert.throws(
    () => positiveTimeout("readTimeoutMs", -1),
    /readTimeoutMs -1: expected a positive/,
  );
  assert.throws(() => positiveTimeout("timeoutMs", NaN), RangeError);
});
