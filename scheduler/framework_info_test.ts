import assert from "node:assert/strict";
import { parseConfig } from "./config.ts";
import { frameworkInfoOf } from "./framework_info.ts";

const ZK = "--zk-framework-persist=zk://127.0.0.1:2181/etcd-mesos";

Deno.test("frameworkInfoOf() carries name, failover timeout, checkpointing, web UI and the stored id", () => {
  const c = parseConfig([ZK, "--framework-name=prod", "--failover-timeout-seconds=60"], {});
  const info = frameworkInfoOf(
    c,
    { user: "etcd", address: "10.0.0.5", adminPort: 23400 },
    "m-0001",
  );
  assert.deepEqual(info, {
    user: "etcd",
    name: "prod",
    id: { value: "m-0001" },
    failover_timeout: 60,
    checkpoint: true,
    hostname: "10.0.0.5",
    webui_url: "http://10.0.0.5:23400/",
  });
});

Deno.test("frameworkInfoOf() adds role and principal when configured, and no id on first start", () => {
  const c = parseConfig([
    ZK,
    "--role=etcd",
    "--mesos-authentication-principal=p",
    "--mesos-authentication-secret-file=/s",
    "--framework-weburi=http://ui/",
  ], {});
  const info = frameworkInfoOf(c, { user: "u", address: "::1", adminPort: 1 });
  assert.equal(info.id, undefined);
  assert.equal(info.role, "etcd");
  assert.equal(info.principal, "p");
  assert.equal(info.webui_url, "http://ui/");
});

Deno.test("frameworkInfoOf() declares RESERVATION_REFINEMENT only when persistent volumes are on", () => {
  const host = { user: "u", address: "h", adminPort: 1 };
  const on = frameworkInfoOf(parseConfig([ZK, "--role=etcd"], {}), host);
  assert.deepEqual(on.capabilities, [{ type: "RESERVATION_REFINEMENT" }]);
  const off = frameworkInfoOf(
    parseConfig([ZK, "--role=etcd", "--persistent-volumes=false"], {}),
    host,
  );
  assert.equal(off.capabilities, undefined);
});
