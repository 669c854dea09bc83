/**
 * Signing member certificates: which CSR messages the scheduler answers (a pure rule over
 * its member records) and the answer itself. A request is granted only for a live task of
 * this framework, sent by that task's own executor on that task's agent (the master tells
 * who sent a MESSAGE). The names come from the scheduler's record (the agent's host name),
 * plus `localhost`, `127.0.0.1` and the agent's IPs the executor reports; never the names
 * the CSR asks for.
 *
 * @module
 */
import type { CertificateAuthority } from "../../lib/tls/authority.ts";
import { parseCsr } from "../../lib/tls/csr.ts";
import type { Logger } from "../../lib/log.ts";
import { isTerminal } from "../../lib/mesos/types.ts";
import type { CertificateReply, CertificateRequest } from "../../contract/certificates.ts";
import type { MemberRecord } from "../core/state.ts";
import { executorIdOf } from "../core/task_info.ts";
import type { CertificateEvents } from "./certificate_events.ts";

/** Who sent a MESSAGE, as the master reports it. */
export interface MessageSource {
  agentId: string;
  executorId: string;
}

/** What a member certificate may hold, or why none is granted. */
export type MemberGrant =
  | { ok: true; name: string; dnsNames: string[]; ips: string[] }
  | { ok: false; message: string };

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

function isIp(host: string): boolean {
  return IPV4.test(host) || host.includes(":");
}

/** Decides whether `request` from `source` gets a certificate, and with which names. */
export function memberGrant(
  request: CertificateRequest,
  source: MessageSource,
  members: readonly MemberRecord[],
): MemberGrant {
  const m = members.find((r) => r.taskId === request.taskId);
  if (m === undefined || isTerminal(m.taskState)) {
    return { ok: false, message: `task ${request.taskId} is not a live member of this framework` };
  }
  if (m.agentId !== source.agentId || executorIdOf(m) !== source.executorId) {
    return {
      ok: false,
      message:
        `task ${request.taskId} does not run in executor ${source.executorId} on agent ${source.agentId}`,
    };
  }
  const host = m.hostname.replace(/^\[|\]$/g, "");
  const dnsNames = [...new Set([...(isIp(host) ? [] : [host]), "localhost"])];
  const ips = [...new Set([...(isIp(host) ? [host] : []), "127.0.0.1", ...request.ips])];
  return { ok: true, name: m.name, dnsNames, ips };
}

/** Settings of {@linkcode MemberSigner}. */
export interface MemberSignerOptions {
  ca: CertificateAuthority;
  /** Validity of member certificates (`--tls-cert-validity`). */
  validityMs: number;
  now: () => number;
  events: CertificateEvents;
  logger: Logger;
}

/** Answers member CSRs. */
export class MemberSigner {
  readonly #o: MemberSignerOptions;

  constructor(options: MemberSignerOptions) {
    this.#o = options;
  }

  /** The reply to `request` (a refusal says why); logs and records what was signed. */
  async answer(
    request: CertificateRequest,
    source: MessageSource,
    members: readonly MemberRecord[],
  ): Promise<CertificateReply> {
    const base = { kind: "certificate" as const, id: request.id, taskId: request.taskId };
    const grant = memberGrant(request, source, members);
    if (!grant.ok) {
      this.#o.logger.warn("member certificate refused", {
        task: request.taskId,
        reason: grant.message,
      });
      return { ...base, ok: false, message: grant.message };
    }
    try {
      const csr = await parseCsr(request.csr);
      const signed = await this.#o.ca.sign({
        publicKey: await csr.request.publicKey.export(),
        commonName: grant.name,
        dnsNames: grant.dnsNames,
        ips: grant.ips,
        usages: ["serverAuth", "clientAuth"],
        validityMs: this.#o.validityMs,
        now: this.#o.now(),
      });
      this.#o.events.record({
        at: this.#o.now(),
        kind: "member",
        subject: grant.name,
        serial: signed.serial,
        notAfter: signed.notAfter,
        requester: `task ${request.taskId}`,
        names: [...grant.dnsNames, ...grant.ips],
      });
      return {
        ...base,
        ok: true,
        certificate: signed.pem,
        ca: this.#o.ca.trustPem,
        message: "signed",
      };
    } catch (err) {
      this.#o.logger.warn("member certificate refused", {
        task: request.taskId,
        reason: (err as Error).message,
      });
      return { ...base, ok: false, message: (err as Error).message };
    }
  }
}
