/**
 * A certificate authority: its certificate and private key, and the certificates it signs.
 * Leaf certificates are ECDSA P-256 with the names and extended key usages the caller
 * grants (never what a CSR merely asks for), a random 128-bit serial, and a validity that
 * starts a minute early to absorb clock skew.
 *
 * @module
 */
import { importKeyPairPem, privateKeyPem } from "./keys.ts";
import { EC_P256, x509 } from "./x509.ts";

/** What a leaf certificate is for. */
export type KeyUsage = "serverAuth" | "clientAuth";

/** What {@linkcode CertificateAuthority.sign} puts in a certificate. */
export interface LeafSpec {
  /** The subject's public key (from a verified CSR). */
  publicKey: CryptoKey;
  /** Subject common name; `""` for a subject without one. */
  commonName: string;
  /** DNS subject alternative names. */
  dnsNames?: readonly string[];
  /** IP subject alternative names. */
  ips?: readonly string[];
  /** Extended key usages. */
  usages: readonly KeyUsage[];
  /** How long it is valid, in ms from `now`. */
  validityMs: number;
  /** The current time (ms since the epoch). */
  now: number;
}

/** A signed leaf certificate. */
export interface SignedCertificate {
  /** PEM (`-----BEGIN CERTIFICATE-----`). */
  pem: string;
  /** Serial number, hex. */
  serial: string;
  notBefore: number;
  notAfter: number;
}

const SKEW_MS = 60_000;

function serialHex(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = bytes[0]! & 0x7f; // a positive INTEGER
  bytes[0] = bytes[0]! | 0x01; // never starting with a zero byte
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A CA that signs leaf certificates. */
export class CertificateAuthority {
  readonly #cert: x509.X509Certificate;
  readonly #keys: CryptoKeyPair;
  /** The CA certificate as PEM (public). */
  readonly certificatePem: string;
  /**
   * What holders of its certificates should trust: this CA's certificate, then any other CA
   * certificates given with it to {@linkcode CertificateAuthority.load} (during a rotation).
   */
  readonly trustPem: string;

  private constructor(cert: x509.X509Certificate, keys: CryptoKeyPair, others: string[] = []) {
    this.#cert = cert;
    this.#keys = keys;
    this.certificatePem = cert.toString("pem") + "\n";
    this.trustPem = [this.certificatePem, ...others].join("");
  }

  /**
   * Generates a self-signed CA (ECDSA P-256, path length 0) valid for `validityMs`.
   *
   * @throws {RangeError} naming a validity that is not positive.
   */
  static async generate(
    commonName: string,
    options: { now: number; validityMs: number },
  ): Promise<CertificateAuthority> {
    if (!(options.validityMs > 0)) {
      throw new RangeError(`Cannot create a CA valid for ${options.validityMs} ms`);
    }
    const keys = await crypto.subtle.generateKey(EC_P256, true, [
      "sign",
      "verify",
    ]) as CryptoKeyPair;
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serialHex(),
      name: [{ CN: [commonName] }],
      notBefore: new Date(options.now - SKEW_MS),
      notAfter: new Date(options.now + options.validityMs),
      keys,
      signingAlgorithm: EC_P256,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
          true,
        ),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    return new CertificateAuthority(cert, keys);
  }

  /**
   * Loads a CA from its PEM certificate and PKCS#8 PEM ECDSA P-256 private key. Further
   * certificates after the first are trusted too (see {@linkcode trustPem}), not used to sign.
   *
   * @throws {TypeError} naming `what` when either is unreadable, the certificate is no CA, or
   * the key does not belong to it.
   */
  static async load(
    certificatePem: string,
    keyPem: string,
    what = "the CA",
  ): Promise<CertificateAuthority> {
    let cert: x509.X509Certificate;
    let others: string[];
    try {
      const all = x509.PemConverter.decodeWithHeaders(certificatePem)
        .filter((p) => p.type === "CERTIFICATE")
        .map((p) => new x509.X509Certificate(p.rawData));
      if (all.length === 0) throw new Error("no PEM CERTIFICATE found");
      cert = all[0]!;
      others = all.slice(1).map((c) => c.toString("pem") + "\n");
    } catch (err) {
      throw new TypeError(`Cannot read ${what} certificate: ${(err as Error).message}`);
    }
    const bc = cert.getExtension(x509.BasicConstraintsExtension);
    if (bc === null || !bc.ca) {
      throw new TypeError(`Cannot use ${what} certificate ${cert.subject}: it is not a CA`);
    }
    const keys = await importKeyPairPem(keyPem, `${what} key`);
    const probe = new Uint8Array([1, 2, 3]);
    const sig = await crypto.subtle.sign(EC_P256, keys.privateKey, probe);
    const certKey = await cert.publicKey.export(EC_P256, ["verify"]);
    if (!await crypto.subtle.verify(EC_P256, certKey, sig, probe)) {
      throw new TypeError(`Cannot use ${what}: the key does not belong to ${cert.subject}`);
    }
    return new CertificateAuthority(
      cert,
      { privateKey: keys.privateKey, publicKey: certKey },
      others,
    );
  }

  /** The CA's subject, e.g. `CN=etcd-mesos etcd CA`. */
  get subject(): string {
    return this.#cert.subject;
  }

  /** When the CA certificate expires (ms since the epoch). */
  get notAfter(): number {
    return this.#cert.notAfter.getTime();
  }

  /** The CA private key as PKCS#8 PEM: only for persisting it. */
  privateKeyPem(): Promise<string> {
    return privateKeyPem(this.#keys.privateKey);
  }

  /**
   * Signs a leaf certificate (never beyond the CA's own expiry).
   *
   * @throws {RangeError} naming a validity that is not positive, or a leaf without names or
   * usages.
   */
  async sign(spec: LeafSpec): Promise<SignedCertificate> {
    if (!(spec.validityMs > 0)) {
      throw new RangeError(`Cannot sign a certificate valid for ${spec.validityMs} ms`);
    }
    if (spec.usages.length === 0) {
      throw new RangeError(`Cannot sign a certificate for ${spec.commonName}: no key usage`);
    }
    const names: x509.JsonGeneralName[] = [
      ...(spec.dnsNames ?? []).map((value) => ({ type: "dns" as const, value })),
      ...(spec.ips ?? []).map((value) => ({ type: "ip" as const, value })),
    ];
    const serial = serialHex();
    const notBefore = spec.now - SKEW_MS;
    const notAfter = Math.min(spec.now + spec.validityMs, this.notAfter);
    const ekus = spec.usages.map((u) =>
      u === "serverAuth" ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth
    );
    const extensions: x509.Extension[] = [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension(ekus, false),
      await x509.AuthorityKeyIdentifierExtension.create(this.#keys.publicKey),
    ];
    if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names));
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial,
      // No common name at all when none is given (etcd's grpc-proxy wants its client so).
      subject: spec.commonName === "" ? [] : [{ CN: [spec.commonName] }],
      issuer: this.#cert.subject,
      notBefore: new Date(notBefore),
      notAfter: new Date(notAfter),
      signingKey: this.#keys.privateKey,
      publicKey: spec.publicKey,
      signingAlgorithm: EC_P256,
      extensions,
    });
    return { pem: cert.toString("pem") + "\n", serial, notBefore, notAfter };
  }
}
