import assert from "node:assert/strict";
import { CertificateAuthority } from "./authority.ts";
import { createCsr, parseCsr } from "./csr.ts";
import { generateKeyPair, privateKeyPem } from "./keys.ts";
import { renewalTime, validityOf } from "./validity.ts";
import { x509 } from "./x509.ts";

const DAY = 86_400_000;
const NOW = Date.UTC(2030, 0, 1);

async function opensslText(pem: string): Promise<string> {
  const out = await new Deno.Command("openssl", {
    args: ["x509", "-noout", "-text"],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const w = out.stdin.getWriter();
  await w.write(new TextEncoder().encode(pem));
  await w.close();
  return new TextDecoder().decode((await out.output()).stdout);
}

Deno.test("CertificateAuthority.sign() grants the names and usages given, within the CA's life", async () => {
  const ca = await CertificateAuthority.generate("test CA", { now: NOW, validityMs: 365 * DAY });
  const keys = await generateKeyPair();
  const csr = await parseCsr(
    await createCsr(keys, { commonName: "etcd-1", dnsNames: ["evil.example"], ips: ["10.9.9.9"] }),
  );
  assert.equal(csr.commonName, "etcd-1");
  assert.deepEqual(csr.dnsNames, ["evil.example"]);
  assert.deepEqual(csr.ips, ["10.9.9.9"]);
  const leaf = await ca.sign({
    publicKey: await csr.request.publicKey.export(),
    commonName: "etcd-1",
    dnsNames: ["agent-1", "localhost"],
    ips: ["127.0.0.1"],
    usages: ["serverAuth", "clientAuth"],
    validityMs: 30 * DAY,
    now: NOW,
  });
  const cert = new x509.X509Certificate(leaf.pem);
  assert.ok(
    await cert.verify({
      publicKey: new x509.X509Certificate(ca.certificatePem).publicKey,
      date: new Date(NOW),
    }),
  );
  assert.equal(leaf.notAfter, NOW + 30 * DAY);
  const text = await opensslText(leaf.pem);
  assert.match(text, /TLS Web Server Authentication, TLS Web Client Authentication/);
  assert.match(text, /DNS:agent-1, DNS:localhost, IP Address:127.0.0.1/);
  assert.doesNotMatch(text, /evil\.example|10\.9\.9\.9/);
  assert.deepEqual(validityOf(leaf.pem), { notBefore: leaf.notBefore, notAfter: leaf.notAfter });
  const far = await ca.sign({
    publicKey: keys.publicKey,
    commonName: "x",
    usages: ["clientAuth"],
    validityMs: 1000 * DAY,
    now: NOW,
  });
  assert.equal(far.notAfter, ca.notAfter);
});

Deno.test("CertificateAuthority.load() round-trips a CA and refuses a key of another", async () => {
  const ca = await CertificateAuthority.generate("a CA", { now: NOW, validityMs: DAY });
  const again = await CertificateAuthority.load(ca.certificatePem, await ca.privateKeyPem());
  assert.equal(again.subject, "CN=a CA");
  const other = await generateKeyPair();
  await assert.rejects(
    () => CertificateAuthority.load(ca.certificatePem, "x"),
    /Cannot read the CA key: expected a PKCS#8 PEM/,
  );
  await assert.rejects(
    () => CertificateAuthority.load(ca.certificatePem, "", "--tls-ca-key"),
    /--tls-ca-key/,
  );
  const wrong = await privateKeyPem(other.privateKey);
  await assert.rejects(
    () => CertificateAuthority.load(ca.certificatePem, wrong),
    /the key does not belong to CN=a CA/,
  );
});

Deno.test("CertificateAuthority.load() refuses a leaf certificate as CA", async () => {
  const ca = await CertificateAuthority.generate("a CA", { now: NOW, validityMs: DAY });
  const keys = await generateKeyPair();
  const leaf = await ca.sign({
    publicKey: keys.publicKey,
    commonName: "leaf",
    usages: ["clientAuth"],
    validityMs: DAY,
    now: NOW,
  });
  await assert.rejects(
    async () => CertificateAuthority.load(leaf.pem, await privateKeyPem(keys.privateKey)),
    /CN=leaf: it is not a CA/,
  );
});

Deno.test("parseCsr() refuses text that is no CSR, naming its start", async () => {
  await assert.rejects(() => parseCsr("hello"), /Cannot read CSR "hello": expected PEM/);
  await assert.rejects(
    () => parseCsr("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----"),
    /Cannot read CSR/,
  );
});

Deno.test("renewalTime() is two thirds into the validity", () => {
  assert.equal(renewalTime({ notBefore: 0, notAfter: 3000 }), 2000);
  assert.equal(
    renewalTime({ notBefore: 1000, notAfter: 31 * DAY + 1000 }),
    1000 + 31 * DAY * 2 / 3,
  );
});

Deno.test("CertificateAuthority.load() signs with the first certificate and trusts them all", async () => {
  const next = await CertificateAuthority.generate("next CA", { now: NOW, validityMs: DAY });
  const old = await CertificateAuthority.generate("old CA", { now: NOW, validityMs: DAY });
  const ca = await CertificateAuthority.load(
    next.certificatePem + old.certificatePem,
    await next.privateKeyPem(),
  );
  assert.equal(ca.subject, "CN=next CA");
  assert.equal(ca.trustPem, next.certificatePem + old.certificatePem);
  assert.equal(ca.certificatePem, next.certificatePem);
});
