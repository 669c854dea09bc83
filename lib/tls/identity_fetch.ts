/**
 * `fetch` with a TLS client identity read from its files on every call, so a renewed
 * certificate is used from the next request on.
 *
 * @module
 */
import { readTlsFiles, type TlsMaterial, type TlsPaths } from "./files.ts";

/** A `fetch` presenting the identity in `paths` (or the one `material()` returns). */
export function identityFetch(source: TlsPaths | (() => TlsMaterial)): typeof fetch {
  return async (input, init) => {
    const m = typeof source === "function" ? source() : await readTlsFiles(source);
    const client = Deno.createHttpClient({ caCerts: [m.caPem], cert: m.certPem, key: m.keyPem });
    try {
      const res = await fetch(input, { ...init, client });
      const body = await res.arrayBuffer();
      return new Response(body, { status: res.status, headers: res.headers });
    } finally {
      client.close();
    }
  };
}
