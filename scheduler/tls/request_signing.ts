/**
 * Certificates signed on request through the admin API, from a CSR in PEM: a client's
 * (`POST /certificates`: clientAuth only, no names, valid at most 30 days) and the proxy's
 * (`POST /certificates/proxy`: serverAuth and clientAuth for the names it asks for, at most
 * 30 days). The private key never comes near the scheduler.
 *
 * @module
 */
import type { CertificateAuthority, SignedCertificate } from "../../lib/tls/authority.ts";
import { parseCsr } from "../../lib/tls/csr.ts";
import type { CertificateEvents } from "./certificate_events.ts";

/** The longest validity of a certificate signed on request. */
export const MAX_REQUEST_VALIDITY_MS = 30 * 86_400_000;

/** What was asked. */
export interface SignRequest {
  /** PEM CSR. */
  csr: string;
  /** `client` (clientAuth only) or `proxy` (serverAuth and clientAuth with its names). */
  kind: "client" | "proxy";
  /** Wanted validity in ms; default and maximum {@linkcode MAX_REQUEST_VALIDITY_MS}. */
  validityMs?: number;
  /** Who asked, for the event. */
  requester: string;
  now: number;
}

/**
 * Signs a requested certificate and records the event.
 *
 * @throws {CsrError} when the CSR is unreadable or unsigned.
 * @throws {RangeError} naming a validity that is not positive.
 */
export async function signRequested(
  ca: CertificateAuthority,
  events: CertificateEvents,
  request: SignRequest,
): Promise<SignedCertificate> {
  const csr = await parseCsr(request.csr);
  const wanted = request.validityMs ?? MAX_REQUEST_VALIDITY_MS;
  if (!(wanted > 0)) {
    throw new RangeError(`Cannot sign a certificate valid for ${wanted} ms: expected > 0`);
  }
  const validityMs = Math.min(wanted, MAX_REQUEST_VALIDITY_MS);
  const proxy = request.kind === "proxy";
  // etcd's grpc-proxy refuses a client certificate with a common name (it would be taken for
  // a user by etcd's authentication): the proxy's has none.
  const commonName = proxy ? "" : csr.commonName === "" ? "client" : csr.commonName;
  const signed = await ca.sign({
    publicKey: await csr.request.publicKey.export(),
    commonName,
    ...(proxy ? { dnsNames: csr.dnsNames, ips: csr.ips } : {}),
    usages: proxy ? ["serverAuth", "clientAuth"] : ["clientAuth"],
    validityMs,
    now: request.now,
  });
  events.record({
    at: request.now,
    kind: request.kind,
    subject: commonName === "" ? "(proxy, no common name)" : commonName,
    serial: signed.serial,
    notAfter: signed.notAfter,
    requester: request.requester,
    ...(proxy ? { names: [...csr.dnsNames, ...csr.ips] } : {}),
  });
  return signed;
}
