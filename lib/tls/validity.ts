/**
 * When a certificate is valid and when to renew it: at two thirds of its life, so a renewal
 * that fails has the last third to be retried.
 *
 * @module
 */
import { x509 } from "./x509.ts";

/** A certificate's validity window (ms since the epoch). */
export interface Validity {
  notBefore: number;
  notAfter: number;
}

/**
 * The validity of a PEM certificate.
 *
 * @throws {TypeError} naming `what` when the text is not a certificate.
 */
export function validityOf(pem: string, what = "certificate"): Validity {
  try {
    const cert = new x509.X509Certificate(pem);
    return { notBefore: cert.notBefore.getTime(), notAfter: cert.notAfter.getTime() };
  } catch (err) {
    throw new TypeError(`Cannot read ${what}: ${(err as Error).message}`);
  }
}

/** When to renew a certificate valid over `v`: two thirds into its life. */
export function renewalTime(v: Validity): number {
  return v.notBefore + Math.floor((v.notAfter - v.notBefore) * 2 / 3);
}
