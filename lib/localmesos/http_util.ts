/**
 * HTTP helpers shared by the local Mesos master and agent, shaped like a real Mesos 1.12
 * at the wire: exact `Content-Type` negotiation, plain-text errors
 * (`text/plain; charset=utf-8`, no trailing newline), `202` with only `Content-Length: 0`,
 * `405` with `Allow: POST`, `307` redirects with an empty body, and RecordIO streaming
 * responses that write each record as one HTTP chunk.
 *
 * @module
 */
import { CONTENT_TYPE, type Encoding } from "../mesos/encoding.ts";
import { encodeRecord } from "../mesos/recordio.ts";

/** Content-Type of every error body Mesos writes. */
export const TEXT_PLAIN = "text/plain; charset=utf-8";

/** A plain-text error response (`status` with `message` as the body, no trailing newline). */
export function textResponse(
  status: number,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(message, {
    status,
    headers: { ...headers, "Content-Type": TEXT_PLAIN },
  });
}

/** `202 Accepted` with an empty body and no Content-Type (only `Content-Length: 0`). */
export function accepted(): Response {
  return new Response(null, { status: 202, headers: { "Content-Length": "0" } });
}

/** `405` for a non-POST request, with `Allow: POST` and Mesos' exact message. */
export function methodNotAllowed(method: string, allowed = "POST"): Response {
  return textResponse(
    405,
    `405 Method Not Allowed. Expecting one of { '${allowed}' }, but received '${method}'.`,
    { Allow: allowed },
  );
}

/** `307 Temporary Redirect` to `location` with an empty body (`Content-Length: 0`). */
export function temporaryRedirect(location: string): Response {
  return new Response(null, {
    status: 307,
    headers: { Location: location, "Content-Length": "0" },
  });
}

/** A JSON `200` response (`application/json`) with `text` as the body. */
export function jsonResponse(text: string, status = 200): Response {
  return new Response(text, { status, headers: { "Content-Type": CONTENT_TYPE.json } });
}

/** A `200` response carrying one encoded message in `encoding`. */
export function messageResponse(bytes: Uint8Array, encoding: Encoding): Response {
  return new Response(bytes as Uint8Array<ArrayBuffer>, {
    status: 200,
    headers: { "Content-Type": CONTENT_TYPE[encoding] },
  });
}

/**
 * Reads the request encoding from `Content-Type` (exact string equality, as Mesos does).
 * Returns the encoding, or the error response to send: `400 "Expecting 'Content-Type' to
 * be present"` or `415 "Expecting 'Content-Type' of application/json or
 * application/x-protobuf"`.
 */
export function requestEncoding(req: Request): Encoding | Response {
  const type = req.headers.get("Content-Type");
  if (type === null) return textResponse(400, "Expecting 'Content-Type' to be present");
  if (type === CONTENT_TYPE.json) return "json";
  if (type === CONTENT_TYPE.protobuf) return "protobuf";
  return textResponse(
    415,
    "Expecting 'Content-Type' of application/json or application/x-protobuf",
  );
}

/**
 * True when the request's `Accept` header allows `mediaType` (a missing header allows
 * everything; `type/*` and `*\/*` match; `q=0` excludes).
 */
export function acceptsMediaType(req: Request, mediaType: string): boolean {
  const header = req.headers.get("Accept");
  if (header === null || header.trim() === "") return true;
  const [type] = mediaType.split("/");
  let best: number | undefined;
  let bestSpecificity = -1;
  for (const part of header.split(",")) {
    const [rangeRaw, ...params] = part.split(";");
    const range = (rangeRaw ?? "").trim().toLowerCase();
    if (range === "") continue;
    let q = 1;
    for (const p of params) {
      const [k, v] = p.split("=").map((s) => s.trim());
      if (k === "q" && v !== undefined && !Number.isNaN(Number(v))) q = Number(v);
    }
    const specificity = range === mediaType
      ? 2
      : range === `${type}/*`
      ? 1
      : range === "*/*"
      ? 0
      : -1;
    if (specificity > bestSpecificity) {
      bestSpecificity = specificity;
      best = q;
    }
  }
  return best !== undefined && best > 0;
}

/**
 * The encoding of a streaming response chosen from `Accept`: JSON when acceptable (a
 * missing `Accept` counts as JSON), else protobuf, else `undefined` (answer
 * {@linkcode notAcceptable}).
 */
export function responseEncoding(req: Request): Encoding | undefined {
  if (acceptsMediaType(req, CONTENT_TYPE.json)) return "json";
  if (acceptsMediaType(req, CONTENT_TYPE.protobuf)) return "protobuf";
  return undefined;
}

/** `406` with Mesos' message for an `Accept` that allows neither encoding. */
export function notAcceptable(): Response {
  return textResponse(
    406,
    "Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'",
  );
}

/** Reads the whole request body as bytes. */
export async function readBody(req: Request): Promise<Uint8Array> {
  return new Uint8Array(await req.arrayBuffer());
}

/**
 * The writable end of a RecordIO streaming response. Each {@linkcode send} becomes one
 * record in one HTTP chunk; {@linkcode close} ends the response (the final empty chunk).
 * `closed` resolves once the stream is over, whether we closed it or the client went away.
 */
export class RecordIOStream {
  readonly #readable: ReadableStream<Uint8Array>;
  #queue: Uint8Array[] = [];
  #wake: (() => void) | undefined;
  #open = true;
  #ending = false;
  #resolveClosed!: (byClient: boolean) => void;
  /** Resolves when the stream ends: `true` if the client disconnected, `false` if we closed. */
  readonly closed: Promise<boolean>;

  constructor() {
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    // Pull-based with no buffering so that the server takes one record per read and
    // writes it as its own chunk.
    this.#readable = new ReadableStream<Uint8Array>({
      pull: (controller) => this.#pull(controller),
      cancel: () => this.#finish(true),
    }, { highWaterMark: 0 });
  }

  /** The body to hand to a `Response`. */
  get readable(): ReadableStream<Uint8Array> {
    return this.#readable;
  }

  /** False once closed by either side (or once {@linkcode close} was called). */
  get isOpen(): boolean {
    return this.#open && !this.#ending;
  }

  /** Frames `payload` as one RecordIO record and queues it as one chunk; false if closed. */
  send(payload: Uint8Array): boolean {
    if (!this.isOpen) return false;
    this.#queue.push(encodeRecord(payload));
    this.#wakeUp();
    return true;
  }

  /** Ends the response after the queued records (no-op when already closed). */
  close(): void {
    if (!this.isOpen) return;
    this.#ending = true;
    this.#wakeUp();
  }

  async #pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    while (this.#queue.length === 0 && !this.#ending && this.#open) {
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
    const next = this.#queue.shift();
    if (next !== undefined) {
      controller.enqueue(next);
      // Let the server flush this chunk before the next one: records enqueued within one
      // macrotask would be coalesced into a single HTTP chunk.
      await new Promise((resolve) => setTimeout(resolve, 0));
      return;
    }
    if (this.#open) {
      controller.close();
      this.#finish(false);
    }
  }

  #wakeUp() {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #finish(byClient: boolean) {
    if (!this.#open) return;
    this.#open = false;
    this.#queue = [];
    this.#wakeUp();
    this.#resolveClosed(byClient);
  }
}

/**
 * A `200` streaming response for `stream` with `Content-Type` of `encoding` and extra
 * `headers` (e.g. `Mesos-Stream-Id`). The server sends it chunked.
 */
export function streamResponse(
  stream: RecordIOStream,
  encoding: Encoding,
  headers: Record<string, string> = {},
): Response {
  return new Response(stream.readable, {
    status: 200,
    headers: { ...headers, "Content-Type": CONTENT_TYPE[encoding] },
  });
}
