/**
 * Certificate signing requests (PKCS#10): made where the private key lives (an executor, the
 * proxy, an operator's machine) and read, checked, by the certificate authority.
 *
 * @module
 */
import { EC_P256, x509 } from "./x509.ts";

/** What a CSR asks for. */
export interface CsrSubject {
  /** The subject's common name, e.g. the member name `etcd-3`. */
  commonName: string;
  /** DNS names to ask for (the signer decides what it grants). */
  dnsNames?: readonly string[];
  /** IP addresses to ask for. */
  ips?: readonly string[];
}

/** Creates a CSR for `keys` as PEM (`-----BEGIN CERTIFICATE REQUEST-----`). */
export async function createCsr(keys: CryptoKeyPair, subject: CsrSubject): Promise<string> {
  const names: x509.JsonGeneralName[] = [
    ...(subject.dnsNames ?? []).map((value) => ({ type: "dns" as const, value })),
    ...(subject.ips ?? []).map((value) => ({ type: "ip" as const, value })),
  ];
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [subject.commonName] }],
    keys,
    signingAlgorithm: EC_P256,
    extensions: names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names)] : [],
  });
  return csr.toString("pem");
}

const SAN_OID = "2.5.29.17";

/** A CSR read and verified. */
export interface ParsedCsr {
  /** The request, for its public key. */
  request: x509.Pkcs10CertificateRequest;
  /** The subject's common name, or `""`. */
  commonName: string;
  /** DNS names it asks for. */
  dnsNames: string[];
  /** IP addresses it asks for. */
  ips: string[];
}

/** A CSR that cannot be read or whose signature does not hold. */
export class CsrError extends TypeError {
  constructor(message: string) {
    super(message);
    this.name = "CsrError";
  }
}

/**
 * Reads a PEM CSR and checks its self-signature (proof that the requester holds the key).
 *
 * @throws {CsrError} saying what is wrong, quoting the start of the text.
 */
export async function parseCsr(pem: string): Promise<ParsedCsr> {
  const head = JSON.stringify(pem.trim().slice(0, 40));
  if (!/-----BEGIN (NEW )?CERTIFICATE REQUEST-----/.test(pem)) {
    throw new CsrError(
      `Cannot read CSR ${head}: expected PEM "-----BEGIN CERTIFICATE REQUEST-----"`,
    );
  }
  let request: x509.Pkcs10CertificateRequest;
  try {
    request = new x509.Pkcs10CertificateRequest(
      pem.replace(/NEW CERTIFICATE REQUEST/g, "CERTIFICATE REQUEST"),
    );
  } catch (err) {
    throw new CsrError(`Cannot read CSR ${head}: ${(err as Error).message}`);
  }
  let valid = false;
  try {
    valid = await request.verify();
  } catch {
    valid = false;
  }
  if (!valid) throw new CsrError(`Cannot use CSR ${head}: its signature does not verify`);
  const cn = request.subjectName.getField("CN")[0] ?? "";
  const dnsNames: string[] = [];
  const ips: string[] = [];
  const ext = request.getExtension(SAN_OID);
  const san = ext === null ? undefined : new x509.SubjectAlternativeNameExtension(ext.rawData);
  for (const n of san?.names.toJSON() ?? []) {
    if (n.type === "dns") dnsNames.push(n.value);
    if (n.type === "ip") ips.push(n.value);
  }
  return { request, commonName: cn, dnsNames, ips };
}
