/**
 * A small S3 client over `fetch` with path-style addressing (`<endpoint>/<bucket>/<key>`),
 * signed with sigv4.ts: the calls a backup store needs (PUT, GET as a stream, DELETE,
 * ListObjectsV2 with paging, and multipart upload). Works with AWS and S3-compatible servers
 * (MinIO, Ceph RGW, s3rver).
 *
 * @module
 */
import { type AwsCredentials, sha256Hex, signRequest, uriEncode } from "./sigv4.ts";

/** Options of {@linkcode S3Client}. */
export interface S3ClientOptions {
  /** `http(s)://host[:port]`, no path. */
  endpoint: string;
  region: string;
  bucket: string;
  credentials: AwsCredentials;
  /** Injected for tests; default the global `fetch`. */
  fetch?: typeof fetch;
}

/** An S3 error answer: HTTP status and S3's error code. */
export class S3Error extends Error {
  /** HTTP status. */
  readonly status: number;
  /** S3 error code (`NoSuchKey`, `SignatureDoesNotMatch`...), or `""`. */
  readonly code: string;
  /** Creates the error naming the request, the status and the code. */
  constructor(what: string, status: number, code: string, detail: string) {
    super(
      `S3 ${what} failed: HTTP ${status}${code ? ` ${code}` : ""}${detail ? `: ${detail}` : ""}`,
    );
    this.name = "S3Error";
    this.status = status;
    this.code = code;
  }
}

const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

function tag(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml);
  return m ? unescapeXml(m[1]!) : undefined;
}

function unescapeXml(s: string): string {
  return s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'").replace(/&amp;/g, "&");
}

function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(
    /"/g,
    "&quot;",
  );
}

/** One uploaded part of a multipart upload. */
export interface UploadedPart {
  partNumber: number;
  etag: string;
}

/** Path-style S3 calls on one bucket. */
export class S3Client {
  readonly #o: S3ClientOptions;
  readonly #fetch: typeof fetch;
  readonly #base: string;

  /**
   * @throws {TypeError} naming the endpoint when it is not `http(s)://host[:port]`.
   */
  constructor(options: S3ClientOptions) {
    if (!/^https?:\/\/[^/?#]+\/?$/.test(options.endpoint)) {
      throw new TypeError(
        `Cannot use S3 endpoint ${
          JSON.stringify(options.endpoint)
        }: expected http(s)://host[:port]`,
      );
    }
    this.#o = options;
    this.#fetch = options.fetch ?? fetch;
    this.#base = options.endpoint.replace(/\/$/, "");
  }

  #url(key: string, query: Record<string, string> = {}): URL {
    const path = key === "" ? "" : `/${uriEncode(key, true)}`;
    const url = new URL(`${this.#base}/${uriEncode(this.#o.bucket)}${path}`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    // URLSearchParams writes spaces as '+'; S3 wants %20 like the signature.
    url.search = [...url.searchParams.entries()]
      .map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`).join("&");
    return url;
  }

  async #send(
    what: string,
    method: string,
    url: URL,
    body?: Uint8Array,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const payloadHash = body === undefined ? EMPTY_SHA256 : await sha256Hex(body);
    const signed = await signRequest({
      method,
      url,
      headers: body === undefined ? headers : { ...headers, "content-length": String(body.length) },
      payloadHash,
      region: this.#o.region,
    }, this.#o.credentials);
    delete signed.host; // fetch sets it
    delete signed["content-length"];
    const res = await this.#fetch(url, {
      method,
      headers: signed,
      body: body as BodyInit | undefined,
    });
    if (!res.ok) {
      const text = await res.text().catch(() => "");
      throw new S3Error(what, res.status, tag(text, "Code") ?? "", tag(text, "Message") ?? "");
    }
    return res;
  }

  /** PUT of a whole object. */
  async put(
    key: string,
    body: Uint8Array,
    contentType = "application/octet-stream",
  ): Promise<void> {
    const res = await this.#send(`PUT ${key}`, "PUT", this.#url(key), body, {
      "content-type": contentType,
    });
    await res.body?.cancel();
  }

  /** GET of an object as a stream; `size` from Content-Length. */
  async get(key: string): Promise<{ size: number; body: ReadableStream<Uint8Array> }> {
    const res = await this.#send(`GET ${key}`, "GET", this.#url(key));
    const size = Number(res.headers.get("content-length") ?? "NaN");
    return { size, body: res.body ?? new ReadableStream({ start: (c) => c.close() }) };
  }

  /** GET of a small object as text. */
  async getText(key: string): Promise<string> {
    const res = await this.#send(`GET ${key}`, "GET", this.#url(key));
    return await res.text();
  }

  /** DELETE of an object (S3 answers 204 whether or not it existed). */
  async delete(key: string): Promise<void> {
    const res = await this.#send(`DELETE ${key}`, "DELETE", this.#url(key));
    await res.body?.cancel();
  }

  /** Every key under `prefix` (ListObjectsV2, all pages). */
  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const query: Record<string, string> = { "list-type": "2", prefix };
      if (token !== undefined) query["continuation-token"] = token;
      const res = await this.#send(`LIST ${prefix}`, "GET", this.#url("", query));
      const xml = await res.text();
      for (const m of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
        const key = tag(m[1]!, "Key");
        if (key !== undefined) keys.push(key);
      }
      token = tag(xml, "IsTruncated") === "true" ? tag(xml, "NextContinuationToken") : undefined;
    } while (token !== undefined);
    return keys;
  }

  /** Starts a multipart upload; returns its upload id. */
  async createMultipart(key: string): Promise<string> {
    const res = await this.#send(
      `CreateMultipartUpload ${key}`,
      "POST",
      this.#url(key, { uploads: "" }),
      undefined,
      {
        "content-type": "application/octet-stream",
      },
    );
    const id = tag(await res.text(), "UploadId");
    if (!id) throw new S3Error(`CreateMultipartUpload ${key}`, res.status, "", "no UploadId");
    return id;
  }

  /** Uploads part `partNumber` (1-based); returns its ETag. */
  async uploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    body: Uint8Array,
  ): Promise<UploadedPart> {
    const res = await this.#send(
      `UploadPart ${key} #${partNumber}`,
      "PUT",
      this.#url(key, { partNumber: String(partNumber), uploadId }),
      body,
    );
    await res.body?.cancel();
    const etag = res.headers.get("etag");
    if (!etag) throw new S3Error(`UploadPart ${key}`, res.status, "", "no ETag");
    return { partNumber, etag };
  }

  /** Completes a multipart upload: the object appears now, whole. */
  async completeMultipart(
    key: string,
    uploadId: string,
    parts: readonly UploadedPart[],
  ): Promise<void> {
    const xml = `<CompleteMultipartUpload>${
      parts.map((p) =>
        `<Part><PartNumber>${p.partNumber}</PartNumber><ETag>${escapeXml(p.etag)}</ETag></Part>`
      ).join("")
    }</CompleteMultipartUpload>`;
    const res = await this.#send(
      `CompleteMultipartUpload ${key}`,
      "POST",
      this.#url(key, { uploadId }),
      new TextEncoder().encode(xml),
      { "content-type": "application/xml" },
    );
    // S3 may answer 200 with an error document.
    const text = await res.text();
    const code = tag(text, "Code");
    if (/<Error>/.test(text) && code) {
      throw new S3Error(
        `CompleteMultipartUpload ${key}`,
        res.status,
        code,
        tag(text, "Message") ?? "",
      );
    }
  }

  /** Abandons a multipart upload (its parts are deleted). */
  async abortMultipart(key: string, uploadId: string): Promise<void> {
    const res = await this.#send(
      `AbortMultipartUpload ${key}`,
      "DELETE",
      this.#url(key, { uploadId }),
    );
    await res.body?.cancel();
  }
}
