/**
 * The TLS identity of the executor's etcd member: the key pair is generated here, on the
 * agent (the private key never leaves it), the certificate comes from the scheduler in
 * answer to a CSR sent as a framework MESSAGE (contract/certificates.ts), and both land in
 * `<dir>/{key,cert,ca}.pem` for etcd. The request is repeated until answered. At two thirds
 * of the certificate's life a new CSR for the same key is sent and the certificate file is
 * replaced: etcd 3.4 reads its leaf certificate on every new connection, so no restart.
 *
 * @module
 */
import type { Clock } from "../lib/clock.ts";
import { type Logger, silentLogger } from "../lib/log.ts";
import { createCsr } from "../lib/tls/csr.ts";
import { type TlsMaterial, type TlsPaths, tlsPaths, writeTlsFiles } from "../lib/tls/files.ts";
import { generateKeyPair, privateKeyPem } from "../lib/tls/keys.ts";
import { renewalTime, validityOf } from "../lib/tls/validity.ts";
import { type CertificateReply, encodeCertificateRequest } from "../contract/certificates.ts";

/** What the certificate needs of the outside world. */
export interface MemberCertificatePorts {
  /** Sends a framework message to the scheduler. */
  sendMessage(data: Uint8Array): void;
  clock: Clock;
  /** The agent's IP addresses (to ask for as subject alternative names). */
  agentIps(): string[];
  /** Writes the given parts of the identity; default: the files under `dir`. */
  writeFiles?(paths: TlsPaths, material: Partial<TlsMaterial>): Promise<void>;
  logger?: Logger;
}

/** Settings of {@linkcode MemberCertificate}. */
export interface MemberCertificateOptions {
  /** Where the files go (`<sandbox>/tls`). */
  dir: string;
  taskId: string;
  /** The member name, the certificate's common name. */
  name: string;
  /** Pause before an unanswered or refused request is sent again; default 5 s. */
  retryMs?: number;
}

/** A day: the longest single timer (longer waits are re-armed). */
const MAX_TIMER_MS = 86_400_000;

/** One member's certificate: obtained once, then renewed until {@linkcode stop}. */
export class MemberCertificate {
  readonly #ports: MemberCertificatePorts;
  readonly #o: MemberCertificateOptions;
  readonly #log: Logger;
  readonly paths: TlsPaths;
  #keys: CryptoKeyPair | undefined;
  #csr: string | undefined;
  #pendingId: string | undefined;
  #sequence = 0;
  #timer: number | undefined;
  #stopped = false;
  #notAfter: number | undefined;
  #ready!: () => void;
  #readyOnce = false;
  /** Resolves once the first certificate is written. */
  readonly ready: Promise<void>;
  /** How many certificates were written (1 after the first, +1 per renewal). */
  issued = 0;

  /** Prepares the certificate; nothing happens before {@linkcode obtain}. */
  constructor(ports: MemberCertificatePorts, options: MemberCertificateOptions) {
    this.#ports = ports;
    this.#o = options;
    this.#log = ports.logger ?? silentLogger;
    this.paths = tlsPaths(options.dir);
    this.ready = new Promise((resolve) => this.#ready = resolve);
  }

  /** When the current certificate expires (ms since the epoch), once there is one. */
  get notAfter(): number | undefined {
    return this.#notAfter;
  }

  /** Generates the key pair, writes the key and asks for the certificate. */
  async obtain(): Promise<void> {
    this.#keys = await generateKeyPair();
    await this.#write({ keyPem: await privateKeyPem(this.#keys.privateKey) });
    this.#csr = await createCsr(this.#keys, { commonName: this.#o.name });
    this.#request("first certificate");
  }

  /** Handles the scheduler's reply; replies to other requests are ignored. */
  async onReply(reply: CertificateReply): Promise<void> {
    if (this.#stopped || reply.id !== this.#pendingId || reply.taskId !== this.#o.taskId) return;
    if (!reply.ok || reply.certificate === undefined || reply.ca === undefined) {
      this.#log.warn("certificate refused; asking again", {
        task: this.#o.taskId,
        reason: reply.message,
      });
      return; // the retry timer is armed
    }
    this.#pendingId = undefined;
    this.#clearTimer();
    let validity;
    try {
      validity = validityOf(reply.certificate, "the signed certificate");
    } catch (err) {
      this.#log.error("unreadable certificate; asking again", { err });
      this.#arm(this.#o.retryMs ?? 5_000, () => this.#request("unreadable certificate"));
      return;
    }
    await this.#write({ caPem: reply.ca, certPem: reply.certificate });
    this.issued++;
    this.#notAfter = validity.notAfter;
    const at = renewalTime(validity);
    this.#log.info(
      this.issued === 1 ? "member certificate in place" : "member certificate renewed",
      {
        task: this.#o.taskId,
        notAfter: new Date(validity.notAfter).toISOString(),
        renewAt: new Date(at).toISOString(),
      },
    );
    this.#armAt(at, () => this.#request("renewal"));
    if (!this.#readyOnce) {
      this.#readyOnce = true;
      this.#ready();
    }
  }

  /** Stops asking and renewing. */
  stop(): void {
    this.#stopped = true;
    this.#clearTimer();
  }

  #request(why: string): void {
    if (this.#stopped || this.#csr === undefined) return;
    const id = `${this.#o.taskId}/csr-${++this.#sequence}`;
    this.#pendingId = id;
    this.#log.info("asking the scheduler for the member certificate", {
      task: this.#o.taskId,
      why,
    });
    this.#ports.sendMessage(encodeCertificateRequest({
      kind: "csr",
      id,
      taskId: this.#o.taskId,
      csr: this.#csr,
      ips: this.#ports.agentIps(),
    }));
    this.#arm(this.#o.retryMs ?? 5_000, () => this.#request(`${why}: no answer yet`));
  }

  async #write(material: Partial<TlsMaterial>): Promise<void> {
    if (this.#ports.writeFiles) return await this.#ports.writeFiles(this.paths, material);
    await Deno.mkdir(this.#o.dir, { recursive: true, mode: 0o700 });
    await writeTlsFiles(this.paths, material);
  }

  #armAt(at: number, fn: () => void): void {
    const delay = at - this.#ports.clock.now();
    if (delay > MAX_TIMER_MS) this.#arm(MAX_TIMER_MS, () => this.#armAt(at, fn));
    else this.#arm(Math.max(0, delay), fn);
  }

  #arm(ms: number, fn: () => void): void {
    this.#clearTimer();
    if (this.#stopped) return;
    this.#timer = this.#ports.clock.setTimeout(() => {
      this.#timer = undefined;
      fn();
    }, ms);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#ports.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/** The agent's IP addresses (IPv4 and IPv6, loopback included), without duplicates. */
export function agentIps(): string[] {
  try {
    return [...new Set(Deno.networkInterfaces().map((i) => i.address))];
  } catch {
    return [];
  }
}
