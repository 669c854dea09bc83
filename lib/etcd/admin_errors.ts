/**
 * The errors of the etcd admin client, classified so callers (the scheduler) can decide
 * without parsing messages: retry elsewhere, wait and retry, or give up.
 *
 * @module
 */
import { EtcdGatewayError } from "./gateway.ts";

/**
 * What went wrong, from the caller's point of view:
 * - `timeout`: no answer in time (the request may or may not have been applied);
 * - `unavailable`: no connection to the endpoint;
 * - `closed`: the admin client was closed;
 * - `no-leader`: the member has no leader or the leader changed under the request;
 * - `learner-not-ready`: promote refused, the learner is not caught up yet;
 * - `not-learner`: promote of a member that is already a voter;
 * - `member-not-found`: no member with that id;
 * - `peer-url-exists`: a member with that peer URL is already configured (also etcd's
 *   "member ID already exist", which is what a quick re-add of the same URLs gets);
 * - `too-many-learners`: etcd allows one learner at a time;
 * - `unhealthy-cluster`: strict reconfiguration check refused the change (it would
 *   endanger quorum);
 * - `learner-rpc`: the endpoint is a learner and does not serve this call;
 * - `unimplemented`: the server does not know the call or field (older etcd);
 * - `other`: anything else (the message tells).
 */
export type EtcdAdminErrorKind =
  | "timeout"
  | "unavailable"
  | "closed"
  | "no-leader"
  | "learner-not-ready"
  | "not-learner"
  | "member-not-found"
  | "peer-url-exists"
  | "too-many-learners"
  | "unhealthy-cluster"
  | "learner-rpc"
  | "unimplemented"
  | "other";

/** A failed admin call; names the operation, the endpoint(s) tried and the kind. */
export class EtcdAdminError extends Error {
  /** The operation, e.g. `memberAdd`. */
  readonly op: string;
  /** The endpoint of the last attempt (`host:port`), when one was tried. */
  readonly endpoint: string | undefined;
  /** The classification, see {@linkcode EtcdAdminErrorKind}. */
  readonly kind: EtcdAdminErrorKind;

  /** Creates the error; `cause` is the underlying gateway error. */
  constructor(
    op: string,
    endpoint: string | undefined,
    kind: EtcdAdminErrorKind,
    detail: string,
    cause?: unknown,
  ) {
    super(`etcd ${op}${endpoint ? ` at ${endpoint}` : ""} failed (${kind}): ${detail}`, {
      cause,
    });
    this.name = "EtcdAdminError";
    this.op = op;
    this.endpoint = endpoint;
    this.kind = kind;
  }
}

const MESSAGE_KINDS: [string, EtcdAdminErrorKind][] = [
  ["can only promote a learner member which is in sync with leader", "learner-not-ready"],
  ["can only promote a learner member", "not-learner"],
  ["member not found", "member-not-found"],
  ["peer urls already exists", "peer-url-exists"],
  // etcd derives a new member's id from its peer URLs and the time: re-adding the same URLs
  // within a second collides on the id instead.
  ["member id already exist", "peer-url-exists"],
  ["too many learner members", "too-many-learners"],
  ["unhealthy cluster", "unhealthy-cluster"],
  ["not enough started members", "unhealthy-cluster"],
  ["rpc not supported for learner", "learner-rpc"],
  ["no leader", "no-leader"],
  ["leader changed", "no-leader"],
  ["request timed out", "timeout"],
  ["deadline exceeded", "timeout"],
  ["unknown field", "unimplemented"],
];

/** gRPC codes that name a kind when etcd's message does not. */
const CODE_KINDS: ReadonlyMap<number, EtcdAdminErrorKind> = new Map([
  [4, "timeout"], // DEADLINE_EXCEEDED
  [12, "unimplemented"], // UNIMPLEMENTED
  [14, "unavailable"], // UNAVAILABLE
]);

/**
 * Classifies an error of an etcd call: a transport failure (no answer) by itself, etcd's
 * answer by its message text, then by its gRPC code.
 */
export function classifyEtcdError(err: unknown): EtcdAdminErrorKind {
  if (err instanceof EtcdAdminError) return err.kind;
  if (err instanceof EtcdGatewayError && err.transport !== undefined) return err.transport;
  const message = err instanceof Error ? err.message.toLowerCase() : String(err).toLowerCase();
  for (const [text, kind] of MESSAGE_KINDS) if (message.includes(text)) return kind;
  if (err instanceof EtcdGatewayError && err.grpcCode !== undefined) {
    return CODE_KINDS.get(err.grpcCode) ?? "other";
  }
  if (message.includes("unavailable") || message.includes("econnrefused")) return "unavailable";
  return "other";
}

/** Converts any error from an etcd call into an {@linkcode EtcdAdminError}. */
export function toAdminError(op: string, endpoint: string | undefined, err: unknown) {
  if (err instanceof EtcdAdminError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new EtcdAdminError(op, endpoint, classifyEtcdError(err), detail, err);
}
