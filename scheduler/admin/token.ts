/**
 * Admin token checks: constant-time comparison of a presented bearer token.
 *
 * @module
 */
import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Compares two secrets in time independent of where they differ (both are hashed first,
 * so their lengths do not leak either).
 */
export function tokensEqual(presented: string, expected: string): boolean {
  const a = createHash("sha256").update(presented, "utf8").digest();
  const b = createHash("sha256").update(expected, "utf8").digest();
  return timingSafeEqual(a, b);
}

/** The token of an `Authorization: Bearer <token>` header, or `undefined`. */
export function bearerToken(req: Request): string | undefined {
  const header = req.headers.get("authorization");
  const m = header === null ? null : /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  return m?.[1];
}
