/**
 * POSTs one encoded call to a Mesos master or agent: follows the 307 a non-leading master
 * answers (protocol-relative `Location: //leader:5050/master/api/v1/scheduler`, resolved
 * against the original scheme, body re-POSTed by hand) and retries 503 ("No leader
 * elected", "not finished recovery") with backoff.
 *
 * @module
 */
import { CONTENT_TYPE, type Encoding } from "./encoding.ts";
import { Backoff, type BackoffOptions, waitFor } from "./backoff.ts";
import { MesosApiError } from "./client_errors.ts";
import { type Clock, systemClock } from "../clock.ts";
import { type Logger, silentLogger } from "../log.ts";

/** Options for {@linkcode postMesos} and {@linkcode sendCall}. */
export interface HttpCallOptions {
  /** Body encoding; sets Content-Type and (unless `accept` is given) Accept. */
  encoding: Encoding;
  /** Accept header; default the encoding's content type. */
  accept?: string;
  /** Extra headers (Authorization, Mesos-Stream-Id). */
  headers?: Record<string, string>;
  /** What is being sent, for messages (`"SUBSCRIBE"`). */
  what?: string;
  fetch?: typeof fetch;
  signal?: AbortSignal;
  clock?: Clock;
  logger?: Logger;
  /** Redirects followed before giving up (default 5). */
  maxRedirects?: number;
  /** Attempts in all when the server answers 503 (default 4; 1 = no retry). */
  unavailableAttempts?: number;
  /** Delays between 503 retries (default 250 ms doubling up to 5 s). */
  backoff?: BackoffOptions;
}

/** The final response and the URL that produced it (the leader, after redirects). */
export interface HttpCallResult {
  response: Response;
  url: URL;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** `Authorization` header value for HTTP basic authentication. */
export function basicAuth(principal: string, secret: string): string {
  const bytes = new TextEncoder().encode(`${principal}:${secret}`);
  return `Basic ${btoa(String.fromCharCode(...bytes))}`;
}

/**
 * POSTs `body` to `url` and returns the first response that is neither a redirect nor a
 * 503 (or the last 503 once attempts run out). The caller owns the returned body.
 *
 * @throws {MesosApiError} on a redirect without Location or too many redirects.
 */
export async function postMesos(
  url: URL,
  body: Uint8Array,
  options: HttpCallOptions,
): Promise<HttpCallResult> {
  const doFetch = options.fetch ?? fetch;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const what = options.what ?? "call";
  const maxRedirects = options.maxRedirects ?? 5;
  const attempts = options.unavailableAttempts ?? 4;
  const backoff = new Backoff({ minMs: 250, maxMs: 5000, ...options.backoff });
  const headers = {
    "Content-Type": CONTENT_TYPE[options.encoding],
    "Accept": options.accept ?? CONTENT_TYPE[options.encoding],
    ...options.headers,
  };
  let target = url;
  let redirects = 0;
  let unavailable = 0;
  for (;;) {
    const response = await doFetch(target, {
      method: "POST",
      headers,
      body: body as Uint8Array<ArrayBuffer>,
      redirect: "manual",
      signal: options.signal,
    });
    if (REDIRECTS.has(response.status)) {
      await response.body?.cancel();
      const location = response.headers.get("Location");
      if (!location) {
        throw new MesosApiError(response.status, "redirect without Location", target.href, what);
      }
      if (++redirects > maxRedirects) {
        throw new MesosApiError(
          response.status,
          `more than ${maxRedirects} redirects`,
          target.href,
          what,
        );
      }
      const next = new URL(location, target);
      logger.info("Mesos redirected to the leader", { what, from: target.href, to: next.href });
      target = next;
      continue;
    }
    if (response.status === 503 && ++unavailable < attempts) {
      const text = await response.text();
      const delay = backoff.next();
      logger.warn("Mesos unavailable, retrying", { what, url: target.href, body: text, delay });
      await waitFor(delay, clock, options.signal);
      continue;
    }
    return { response, url: target };
  }
}

/** A non-streaming call's answer: status (202, or 200 for synchronous calls) and body. */
export interface CallResult {
  status: number;
  body: Uint8Array;
  /** Where the call was finally answered (the leader). */
  url: URL;
}

/**
 * POSTs a non-streaming call and reads the whole answer.
 *
 * @throws {MesosApiError} with status and plain-text body for any non-2xx answer.
 */
export async function sendCall(
  url: URL,
  body: Uint8Array,
  options: HttpCallOptions,
): Promise<CallResult> {
  const { response, url: final } = await postMesos(url, body, options);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (response.status < 200 || response.status > 299) {
    const text = new TextDecoder().decode(bytes);
    throw new MesosApiError(response.status, text, final.href, options.what);
  }
  return { status: response.status, body: bytes, url: final };
}
