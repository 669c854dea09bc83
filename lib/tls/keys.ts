/**
 * Key pairs and their PEM form: ECDSA P-256 keys generated with WebCrypto, private keys as
 * PKCS#8 `PRIVATE KEY` PEM (what etcd, Go and Deno read).
 *
 * @module
 */
import { EC_P256, x509 } from "./x509.ts";

/** Generates an ECDSA P-256 key pair (the private key exportable, to write it for etcd). */
export async function generateKeyPair(): Promise<CryptoKeyPair> {
  return await crypto.subtle.generateKey(EC_P256, true, ["sign", "verify"]) as CryptoKeyPair;
}

/** The private key as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`). */
export async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = await crypto.subtle.exportKey("pkcs8", key);
  return x509.PemConverter.encode(der, "PRIVATE KEY");
}

/**
 * Reads a PKCS#8 PEM ECDSA P-256 private key, and derives its public key.
 *
 * @throws {TypeError} naming `what` when the text is not such a key (the key itself is
 * never quoted).
 */
export async function importKeyPairPem(pem: string, what: string): Promise<CryptoKeyPair> {
  let privateKey: CryptoKey;
  try {
    const der = x509.PemConverter.decodeFirst(pem);
    privateKey = await crypto.subtle.importKey("pkcs8", der, EC_P256, true, ["sign"]);
  } catch (err) {
    throw new TypeError(
      `Cannot read ${what}: expected a PKCS#8 PEM ECDSA P-256 private key (${
        (err as Error).message
      })`,
    );
  }
  const jwk = await crypto.subtle.exportKey("jwk", privateKey);
  delete jwk.d;
  jwk.key_ops = ["verify"];
  const publicKey = await crypto.subtle.importKey("jwk", jwk, EC_P256, true, ["verify"]);
  return { privateKey, publicKey };
}
