import assert from "node:assert/strict";
import { memoryLogger } from "../../lib/log.ts";
import type { EtcdSpec } from "../../contract/etcd_spec.ts";
import { parseRollingRestartBody, rollingRestartRoute } from "./rolling_restart_route.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const post = new Request("http://x/rolling-restart", { method: "POST" });

Deno.test("parseRollingRestartBody(): a spec, or the problem naming the values", () => {
  assert.deepEqual(parseRollingRestartBody(enc("")), {});
  assert.deepEqual(
    parseRollingRestartBody(enc('{"etcdUri": "http://h/etcd", "flags": ["--snapshot-count=9"]}')),
    { uri: "http://h/etcd", flags: ["--snapshot-count=9"] },
  );
  assert.match(String(parseRollingRestartBody(enc("nope"))), /expected a JSON body/);
  assert.match(String(parseRollingRestartBody(enc('{"uri": "x"}'))), /unknown field\(s\) "uri"/);
  assert.match(
    String(parseRollingRestartBody(enc('{"flags": ["--name=x", "--listen-client-urls=y"]}'))),
    /--name is set by the framework.*--listen-client-urls is set by the framework/,
  );
});

Deno.test("POST /rolling-restart: 400 naming a bad value, 202 with the core's plan, 409 refused, 503 on a standby", async () => {
  const asked: EtcdSpec[] = [];
  let running = false;
  const route = rollingRestartRoute({
    request: (spec) => {
      asked.push(spec);
      if (running) return { accepted: false, message: "rolling-restart-1 is already running" };
      running = true;
      return { accepted: true, message: "rolling-restart-1 started: restarting etcd-2, etcd-1" };
    },
    view: () => ({ started: 1 }),
    standby: () => undefined,
    log: memoryLogger(),
  });
  const bad = await route.handle(post, enc('{"flags": ["--data-dir=/tmp/x"]}'));
  assert.equal(bad.status, 400);
  assert.match(await bad.text(), /"--data-dir=\/tmp\/x": --data-dir is set by the framework/);
  const ok = await route.handle(post, enc('{"flags": ["--quota-backend-bytes=1073741824"]}'));
  assert.equal(ok.status, 202);
  assert.match(await ok.text(), /^rolling restart: rolling-restart-1 started/);
  const again = await route.handle(post, enc("{}"));
  assert.equal(again.status, 409);
  assert.match(await again.text(), /^rolling restart refused: .*already running/);
  assert.deepEqual(asked, [{ flags: ["--quota-backend-bytes=1073741824"] }, {}]);
  const get = await route.handle(new Request("http://x/rolling-restart"), enc(""));
  assert.deepEqual(await get.json(), { started: 1 });
  const standby = rollingRestartRoute({ standby: () => "leader is h:1", log: memoryLogger() });
  const s = await standby.handle(post, enc("{}"));
  assert.equal(s.status, 503);
  await s.text();
});
