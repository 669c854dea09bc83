/**
 * How an executor gets its member's TLS certificate: it generates the key pair on the agent
 * (the private key never leaves it), sends a certificate signing request to the scheduler as
 * a framework MESSAGE, and the scheduler answers with a MESSAGE carrying the certificate and
 * the CA (or why it refused). The same exchange renews the certificate. Both are UTF-8 JSON
 * told apart from maintenance orders and outcomes by their `kind`.
 *
 * @module
 */

/** Executor → scheduler: please sign this CSR for my task. */
export interface CertificateRequest {
  kind: "csr";
  /** Correlation id echoed in the reply. */
  id: string;
  /** The task the certificate is for. */
  taskId: string;
  /** PEM PKCS#10 request (ECDSA P-256). */
  csr: string;
  /** The agent's IP addresses, to be added as subject alternative names. */
  ips: string[];
}

/** Scheduler → executor: the certificate, or why not. */
export interface CertificateReply {
  kind: "certificate";
  id: string;
  taskId: string;
  ok: boolean;
  /** PEM leaf certificate (when `ok`). */
  certificate?: string;
  /** PEM CA certificate to trust (when `ok`). */
  ca?: string;
  /** What was done, or why it was refused. */
  message: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });
const IP = /^[0-9a-fA-F:.]+$/;

function json(data: Uint8Array): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(decoder.decode(data));
    return v !== null && typeof v === "object" && !Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The `kind` of a framework MESSAGE payload (`csr`, `certificate`, `outcome`…), if any. */
export function messageKind(data: Uint8Array): string | undefined {
  const kind = json(data)?.kind;
  return typeof kind === "string" ? kind : undefined;
}

function bad(what: string, field: string, value: unknown): TypeError {
  const shown = JSON.stringify(value)?.slice(0, 80) ?? String(value);
  return new TypeError(`Cannot parse ${what}: "${field}" ${shown} is not valid`);
}

/** Encodes a request as a MESSAGE payload. */
export function encodeCertificateRequest(request: CertificateRequest): Uint8Array {
  return encoder.encode(JSON.stringify(request));
}

/**
 * Parses a certificate request.
 *
 * @throws {TypeError} naming the field that is missing or wrong.
 */
export function parseCertificateRequest(data: Uint8Array): CertificateRequest {
  const what = "certificate request";
  const v = json(data);
  if (v === undefined || v.kind !== "csr") throw bad(what, "kind", v?.kind);
  for (const f of ["id", "taskId", "csr"] as const) {
    if (typeof v[f] !== "string" || v[f] === "") throw bad(what, f, v[f]);
  }
  const ips = v.ips ?? [];
  if (!Array.isArray(ips) || ips.some((ip) => typeof ip !== "string" || !IP.test(ip))) {
    throw bad(what, "ips", ips);
  }
  return {
    kind: "csr",
    id: v.id as string,
    taskId: v.taskId as string,
    csr: v.csr as string,
    ips: ips as string[],
  };
}

/** Encodes a reply as a MESSAGE payload. */
export function encodeCertificateReply(reply: CertificateReply): Uint8Array {
  return encoder.encode(JSON.stringify(reply));
}

/**
 * Parses a certificate reply.
 *
 * @throws {TypeError} naming the field that is missing or wrong.
 */
export function parseCertificateReply(data: Uint8Array): CertificateReply {
  const what = "certificate reply";
  const v = json(data);
  if (v === undefined || v.kind !== "certificate") throw bad(what, "kind", v?.kind);
  if (typeof v.id !== "string") throw bad(what, "id", v.id);
  if (typeof v.taskId !== "string") throw bad(what, "taskId", v.taskId);
  if (typeof v.ok !== "boolean") throw bad(what, "ok", v.ok);
  if (typeof v.message !== "string") throw bad(what, "message", v.message);
  if (v.ok && (typeof v.certificate !== "string" || typeof v.ca !== "string")) {
    throw bad(what, "certificate", v.certificate);
  }
  return {
    kind: "certificate",
    id: v.id,
    taskId: v.taskId,
    ok: v.ok,
    ...(typeof v.certificate === "string" ? { certificate: v.certificate } : {}),
    ...(typeof v.ca === "string" ? { ca: v.ca } : {}),
    message: v.message,
  };
}
