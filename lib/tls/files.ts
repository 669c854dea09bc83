/**
 * TLS files on disk: a certificate, its private key and the CA that signed it, each
 * replaced atomically (written aside, then renamed over the old one) so a reader — etcd
 * reloads its leaf certificate on every new connection — never sees half a file. Private
 * keys are written with mode 0600.
 *
 * @module
 */

/** The PEM texts of one identity. */
export interface TlsMaterial {
  /** The CA certificate(s) to trust. */
  caPem: string;
  /** The leaf certificate. */
  certPem: string;
  /** The leaf's PKCS#8 private key. */
  keyPem: string;
}

/** Where one identity's files are. */
export interface TlsPaths {
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** The files of an identity kept in `dir`: `ca.pem`, `cert.pem`, `key.pem`. */
export function tlsPaths(dir: string): TlsPaths {
  const d = dir.replace(/\/+$/, "");
  return { caFile: `${d}/ca.pem`, certFile: `${d}/cert.pem`, keyFile: `${d}/key.pem` };
}

/** Replaces `path` with `text` atomically; `mode` applies from the first byte written. */
export async function writeFileAtomic(path: string, text: string, mode = 0o644): Promise<void> {
  const aside = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    await Deno.writeTextFile(aside, text, { mode, create: true });
    await Deno.chmod(aside, mode);
    await Deno.rename(aside, path);
  } catch (err) {
    await Deno.remove(aside).catch(() => {});
    throw err;
  }
}

/** Writes the parts of an identity that are given (the key with mode 0600). */
export async function writeTlsFiles(
  paths: TlsPaths,
  material: Partial<TlsMaterial>,
): Promise<void> {
  if (material.keyPem !== undefined) await writeFileAtomic(paths.keyFile, material.keyPem, 0o600);
  if (material.caPem !== undefined) await writeFileAtomic(paths.caFile, material.caPem);
  if (material.certPem !== undefined) await writeFileAtomic(paths.certFile, material.certPem);
}

/** Reads an identity's three files. */
export async function readTlsFiles(paths: TlsPaths): Promise<TlsMaterial> {
  const [caPem, certPem, keyPem] = await Promise.all([
    Deno.readTextFile(paths.caFile),
    Deno.readTextFile(paths.certFile),
    Deno.readTextFile(paths.keyFile),
  ]);
  return { caPem, certPem, keyPem };
}
