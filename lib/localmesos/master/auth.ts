/**
 * HTTP Basic authentication of schedulers (`--authenticate_http_frameworks` with
 * `--credentials`): a missing or wrong `Authorization` header gets 401 with
 * `WWW-Authenticate: Basic realm="mesos-master-scheduler"`.
 *
 * @module
 */

/** The realm Mesos uses for the scheduler endpoint. */
export const SCHEDULER_REALM = "mesos-master-scheduler";

/** One accepted principal. */
export interface Credential {
  principal: string;
  secret: string;
}

/**
 * Returns the authenticated principal, or undefined when `Authorization` is missing,
 * malformed or does not match any credential.
 */
export function authenticatedPrincipal(
  req: Request,
  credentials: readonly Credential[],
): string | undefined {
  const header = req.headers.get("Authorization");
  const match = header?.match(/^Basic\s+(\S+)$/i);
  if (!match) return undefined;
  let decoded: string;
  try {
    decoded = new TextDecoder().decode(Uint8Array.from(atob(match[1]!), (c) => c.charCodeAt(0)));
  } catch {
    return undefined;
  }
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  const principal = decoded.slice(0, colon);
  const secret = decoded.slice(colon + 1);
  return credentials.some((c) => c.principal === principal && c.secret === secret)
    ? principal
    : undefined;
}

/** The 401 answer with the Basic challenge. */
export function unauthorized(realm = SCHEDULER_REALM): Response {
  return new Response(null, {
    status: 401,
    headers: { "WWW-Authenticate": `Basic realm="${realm}"`, "Content-Length": "0" },
  });
}
