import assert from "node:assert/strict";
import { memoryLogger } from "../../lib/log.ts";
import { CertificateAuthority } from "../../lib/tls/authority.ts";
import { createCsr } from "../../lib/tls/csr.ts";
import { generateKeyPair } from "../../lib/tls/keys.ts";
import { x509 } from "../../lib/tls/x509.ts";
import { initialState } from "../core/state.ts";
import { healthOf, statsOf } from "../core/views.ts";
import { CertificateEvents } from "../tls/certificate_events.ts";
import { signRequested } from "../tls/request_signing.ts";
import { createAdminHandler } from "./handler.ts";

const DAY = 86_400_000;

async function setup(options: { tls?: boolean } = {}) {
  const logger = memoryLogger();
  const ca = await CertificateAuthority.generate("test CA", {
    now: Date.now(),
    validityMs: 365 * DAY,
  });
  const events = new CertificateEvents(logger);
  const handler = createAdminHandler({
    stats: () => statsOf(initialState()),
    members: () => [],
    health: () => healthOf(initialState()),
    requestReseed: () => ({ accepted: false, message: "no" }),
    token: "s3cret",
    logger,
    ...(options.tls !== false
      ? {
        tls: {
          caPem: () => ca.certificatePem,
          sign: (r) => signRequested(ca, events, { ...r, now: Date.now() }),
          events: () => events.view(),
        },
      }
      : {}),
  });
  const call = (path: string, init?: RequestInit) =>
    handler(new Request(`http://admin${path}`, init));
  return { ca, events, logger, call };
}

const auth = { authorization: "Bearer s3cret" };

Deno.test("GET /ca.pem is public; without --tls it is 404", async () => {
  const s = await setup();
  const res = await s.call("/ca.pem");
  assert.equal(res.status, 200);
  assert.equal(await res.text(), s.ca.certificatePem);
  assert.equal((await (await setup({ tls: false })).call("/ca.pem")).status, 404);
});

Deno.test("POST /certificates signs a client CSR: clientAuth only, at most 30 days, recorded", async () => {
  const s = await setup();
  const keys = await generateKeyPair();
  const csr = await createCsr(keys, { commonName: "alice", dnsNames: ["evil.example"] });
  assert.equal((await s.call("/certificates", { method: "POST", body: csr })).status, 401);
  const res = await s.call("/certificates?days=90", { method: "POST", body: csr, headers: auth });
  assert.equal(res.status, 200);
  const cert = new x509.X509Certificate(await res.text());
  assert.equal(cert.subject, "CN=alice");
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension)!;
  assert.deepEqual([...eku.usages], [x509.ExtendedKeyUsage.clientAuth]);
  assert.equal(cert.getExtension("2.5.29.17"), null, "no names for a client");
  const life = cert.notAfter.getTime() - Date.now();
  assert.ok(life <= 30 * DAY && life > 29 * DAY, `validity ${life}`);
  const history = await (await s.call("/history")).json();
  assert.equal(history.certificates.length, 1);
  assert.equal(history.certificates[0].subject, "alice");
  assert.ok(s.logger.lines.some((l) => /certificate signed.*kind=client.*subject=alice/.test(l)));
  assert.ok(!s.logger.lines.some((l) => l.includes("BEGIN")), "a PEM was logged");
});

Deno.test("POST /certificates refuses what is no CSR with 400, naming it", async () => {
  const s = await setup();
  const res = await s.call("/certificates", { method: "POST", body: "hello", headers: auth });
  assert.equal(res.status, 400);
  assert.match(await res.text(), /Cannot read CSR "hello"/);
  const bad = await s.call("/certificates?days=x", { method: "POST", body: "x", headers: auth });
  assert.equal(bad.status, 400);
});

Deno.test("POST /certificates/proxy grants serverAuth and clientAuth with the names asked", async () => {
  const s = await setup();
  const csr = await createCsr(await generateKeyPair(), {
    commonName: "etcd-mesos-proxy",
    dnsNames: ["localhost"],
    ips: ["127.0.0.1"],
  });
  const res = await s.call("/certificates/proxy", { method: "POST", body: csr, headers: auth });
  assert.equal(res.status, 200);
  const cert = new x509.X509Certificate(await res.text());
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension)!;
  assert.deepEqual([...eku.usages], [
    x509.ExtendedKeyUsage.serverAuth,
    x509.ExtendedKeyUsage.clientAuth,
  ]);
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension)!;
  assert.deepEqual(san.names.toJSON().map((n) => n.value), ["localhost", "127.0.0.1"]);
});
