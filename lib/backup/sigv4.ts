/**
 * AWS Signature Version 4 for S3 requests (header auth), with WebCrypto only: the canonical
 * request, the string to sign, the derived signing key and the `Authorization` header. The
 * payload hash is passed in (`x-amz-content-sha256`), so bodies are hashed once by the caller.
 *
 * @module
 */

/** Credentials from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** One request to sign. */
export interface SignInput {
  method: string;
  /** Full URL; its path must already be URI-encoded as it will be sent. */
  url: URL;
  /** Headers to send and sign (names any case); `host` is added from the URL. */
  headers: Record<string, string>;
  /** Hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`. */
  payloadHash: string;
  region: string;
  /** Default `s3`. */
  service?: string;
  /** Signing time; default now. */
  date?: Date;
}

const encoder = new TextEncoder();

/** Hex of bytes. */
export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let out = "";
  for (const x of b) out += x.toString(16).padStart(2, "0");
  return out;
}

/** Hex SHA-256 of `data` (WebCrypto). */
export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  return toHex(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
}

async function hmac(key: Uint8Array, data: string): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey(
    "raw",
    key as BufferSource,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, encoder.encode(data)));
}

/** RFC 3986 encoding as SigV4 wants it (unreserved characters kept; `/` optionally kept). */
export function uriEncode(text: string, keepSlash = false): string {
  let out = "";
  for (const byte of encoder.encode(text)) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === "/")) out += c;
    else out += "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/** `20130524T000000Z` of `date`. */
export function amzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, "").replace(/\.[0-9]{3}/, "");
}

function canonicalQuery(url: URL): string {
  const pairs = [...url.searchParams.entries()].map(([k, v]) => [uriEncode(k), uriEncode(v)]);
  pairs.sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : a[1]! < b[1]! ? -1 : 1));
  return pairs.map(([k, v]) => `${k}=${v}`).join("&");
}

/** The canonical request (exported for tests against AWS's examples). */
export function canonicalRequest(input: SignInput, headers: Record<string, string>): string {
  const names = Object.keys(headers).sort();
  return [
    input.method.toUpperCase(),
    input.url.pathname || "/",
    canonicalQuery(input.url),
    ...names.map((n) => `${n}:${headers[n]!.trim().replace(/\s+/g, " ")}`),
    "",
    names.join(";"),
    input.payloadHash,
  ].join("\n");
}

/**
 * Signs a request: returns the headers to send (the given ones, `host`, `x-amz-date`,
 * `x-amz-content-sha256`, `x-amz-security-token` when there is a session token, and
 * `authorization`).
 */
export async function signRequest(
  input: SignInput,
  creds: AwsCredentials,
): Promise<Record<string, string>> {
  const date = input.date ?? new Date();
  const stamp = amzDate(date);
  const day = stamp.slice(0, 8);
  const service = input.service ?? "s3";
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.headers)) headers[k.toLowerCase()] = v;
  headers["host"] = input.url.host;
  headers["x-amz-date"] = stamp;
  headers["x-amz-content-sha256"] = input.payloadHash;
  if (creds.sessionToken) headers["x-amz-security-token"] = creds.sessionToken;
  const canonical = canonicalRequest(input, headers);
  const scope = `${day}/${input.region}/${service}/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", stamp, scope, await sha256Hex(canonical)].join("\n");
  let key = await hmac(encoder.encode(`AWS4${creds.secretAccessKey}`), day);
  key = await hmac(key, input.region);
  key = await hmac(key, service);
  key = await hmac(key, "aws4_request");
  const signature = toHex(await hmac(key, toSign));
  const signed = Object.keys(headers).sort().join(";");
  headers["authorization"] =
    `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${scope}, SignedHeaders=${signed}, Signature=${signature}`;
  return headers;
}

/**
 * Credentials from the standard AWS environment variables.
 *
 * @throws {TypeError} naming the missing variable.
 */
export function credentialsFromEnv(env: Record<string, string | undefined>): AwsCredentials {
  const id = env.AWS_ACCESS_KEY_ID;
  const secret = env.AWS_SECRET_ACCESS_KEY;
  if (!id) throw new TypeError("Missing AWS_ACCESS_KEY_ID for the S3 backup store");
  if (!secret) throw new TypeError("Missing AWS_SECRET_ACCESS_KEY for the S3 backup store");
  return env.AWS_SESSION_TOKEN
    ? { accessKeyId: id, secretAccessKey: secret, sessionToken: env.AWS_SESSION_TOKEN }
    : { accessKeyId: id, secretAccessKey: secret };
}
