/**
 * Test PKI: a CA made on the spot and identities it issues, written to a directory as
 * etcd and the admin client read them.
 *
 * @module
 */
import { CertificateAuthority, type KeyUsage } from "../authority.ts";
import { type TlsMaterial, type TlsPaths, tlsPaths, writeTlsFiles } from "../files.ts";
import { generateKeyPair, privateKeyPem } from "../keys.ts";

/** One issued identity: its PEM texts and where they were written. */
export interface TestIdentity extends TlsMaterial {
  paths: TlsPaths;
  notAfter: number;
}

/** A CA and a directory to issue identities into. */
export interface TestPki {
  ca: CertificateAuthority;
  dir: string;
  /** Issues `name` (SANs localhost and 127.0.0.1) into `<dir>/<name>/`. */
  issue(
    name: string,
    options?: { usages?: KeyUsage[]; validityMs?: number; now?: number; commonName?: string },
  ): Promise<TestIdentity>;
}

/** Creates a CA ("test CA <label>") and returns a PKI issuing into `dir`. */
export async function createTestPki(dir: string, label = "1"): Promise<TestPki> {
  const ca = await CertificateAuthority.generate(`test CA ${label}`, {
    now: Date.now(),
    validityMs: 86_400_000,
  });
  return {
    ca,
    dir,
    async issue(name, options = {}) {
      const keys = await generateKeyPair();
      const signed = await ca.sign({
        publicKey: keys.publicKey,
        commonName: options.commonName ?? name,
        dnsNames: ["localhost"],
        ips: ["127.0.0.1"],
        usages: options.usages ?? ["serverAuth", "clientAuth"],
        validityMs: options.validityMs ?? 3_600_000,
        now: options.now ?? Date.now(),
      });
      const paths = tlsPaths(`${dir}/${name}`);
      await Deno.mkdir(`${dir}/${name}`, { recursive: true });
      const material = {
        caPem: ca.certificatePem,
        certPem: signed.pem,
        keyPem: await privateKeyPem(keys.privateKey),
      };
      await writeTlsFiles(paths, material);
      return { ...material, paths, notAfter: signed.notAfter };
    },
  };
}
