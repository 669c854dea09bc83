import assert from "node:assert/strict";
import { parseConfig } from "../config.ts";

const base = ["--ephemeral"];

Deno.test("parseConfig() reads the TLS flags", () => {
  const c = parseConfig([...base, "--tls", "--tls-cert-validity=12h", "--tls-dir=/w/tls"], {});
  assert.deepEqual(c.tls, {
    enabled: true,
    certValidityMs: 12 * 3_600_000,
    dir: "/w/tls",
    adminTls: false,
  });
  assert.equal(parseConfig(base, {}).tls.certValidityMs, 30 * 86_400_000);
  assert.equal(parseConfig([...base, "-tls-cert-validity=7d"], { TLS: "true" }).tls.enabled, true);
});

Deno.test("parseConfig() refuses TLS flags that need another, naming it", () => {
  assert.throws(() => parseConfig([...base, "--tls", "--tls-ca-cert=/ca.pem"], {}), /--tls-ca-key/);
  assert.throws(() => parseConfig([...base, "--admin-tls"], {}), /--admin-tls needs --tls/);
  assert.throws(() => parseConfig([...base, "--tls", "--tls-cert-validity=1s"], {}), /"1s"/);
  assert.throws(
    () => parseConfig([...base, "--tls-cert-validity=x"], {}),
    /--tls-cert-validity "x"/,
  );
});
