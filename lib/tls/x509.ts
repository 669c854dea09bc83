/**
 * The X.509 library every TLS file here uses: `@peculiar/x509` on WebCrypto, with the
 * `reflect-metadata` polyfill its dependency injection needs loaded first. Import X.509
 * names from here, never from the package directly, so the polyfill always comes first
 * (also in the bundled executor).
 *
 * @module
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";

export { x509 };

/** The one key algorithm of the framework's certificates: ECDSA P-256 with SHA-256. */
export const EC_P256 = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
