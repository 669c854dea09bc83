import assert from "node:assert/strict";
import { coreOptionsOf, parseConfig } from "./config.ts";
import { volumesOn } from "./volume_config.ts";

const base = ["--ephemeral"];

Deno.test("--persistent-volumes=auto is on with a role and off with role *", () => {
  const star = parseConfig(base, {});
  assert.equal(star.volumes.mode, "auto");
  assert.equal(volumesOn(star.volumes, star.role), false);
  const etcd = parseConfig([...base, "--role=etcd"], {});
  assert.equal(volumesOn(etcd.volumes, etcd.role), true);
  assert.equal(etcd.volumes.relaunchTimeoutMs, 600_000);
});

Deno.test("--persistent-volumes=true and false override auto; true needs a role", () => {
  const on = parseConfig([...base, "--role=r", "--persistent-volumes=true"], {});
  assert.equal(volumesOn(on.volumes, on.role), true);
  assert.deepEqual(coreOptionsOf(on).volumes, { role: "r", relaunchTimeoutMs: 600_000 });
  assert.throws(
    () => parseConfig([...base, "--persistent-volumes=true"], {}),
    /--persistent-volumes=true needs a --role other than \*/,
  );
  const off = parseConfig([...base, "--role=etcd", "--persistent-volumes=false"], {});
  assert.equal(volumesOn(off.volumes, off.role), false);
});

Deno.test("a bad --persistent-volumes or --member-relaunch-timeout names the value", () => {
  assert.throws(
    () => parseConfig([...base, "--persistent-volumes=maybe"], {}),
    /--persistent-volumes "maybe": expected auto, true or false/,
  );
  assert.throws(
    () => parseConfig([...base, "--member-relaunch-timeout=soon"], {}),
    /--member-relaunch-timeout "soon"/,
  );
  const c = parseConfig([...base, "--member-relaunch-timeout=90s"], {});
  assert.equal(c.volumes.relaunchTimeoutMs, 90_000);
});
