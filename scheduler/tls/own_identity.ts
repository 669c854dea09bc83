/**
 * The scheduler's own TLS identity: a key pair made in the process and a certificate from
 * the framework's CA, renewed at two thirds of its life. The etcd admin client reads
 * {@linkcode OwnIdentity.current} before each new connection, so a renewal takes effect
 * without a restart.
 *
 * @module
 */
import type { Clock } from "../../lib/clock.ts";
import type { Logger } from "../../lib/log.ts";
import type { CertificateAuthority, KeyUsage } from "../../lib/tls/authority.ts";
import type { TlsMaterial } from "../../lib/tls/files.ts";
import { generateKeyPair, privateKeyPem } from "../../lib/tls/keys.ts";
import { renewalTime } from "../../lib/tls/validity.ts";
import type { CertificateEvents } from "./certificate_events.ts";

/** Settings of {@linkcode OwnIdentity.issue}. */
export interface OwnIdentityOptions {
  ca: CertificateAuthority;
  commonName: string;
  usages: KeyUsage[];
  dnsNames?: string[];
  ips?: string[];
  validityMs: number;
  clock: Clock;
  events: CertificateEvents;
  logger: Logger;
}

const MAX_TIMER_MS = 86_400_000;
const RETRY_MS = 60_000;

/** An identity of the scheduler, kept renewed until {@linkcode OwnIdentity.stop}. */
export class OwnIdentity {
  readonly #o: OwnIdentityOptions;
  #current!: TlsMaterial;
  #timer: number | undefined;
  #stopped = false;
  /** How many certificates were issued (1 after the first). */
  issued = 0;

  private constructor(options: OwnIdentityOptions) {
    this.#o = options;
  }

  /** Issues the first certificate and arms its renewal. */
  static async issue(options: OwnIdentityOptions): Promise<OwnIdentity> {
    const identity = new OwnIdentity(options);
    await identity.#renew();
    return identity;
  }

  /** The current CA, certificate and key (a new object after each renewal). */
  current(): TlsMaterial {
    return this.#current;
  }

  /** Stops renewing. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  async #renew(): Promise<void> {
    const o = this.#o;
    const keys = await generateKeyPair();
    const now = o.clock.now();
    const signed = await o.ca.sign({
      publicKey: keys.publicKey,
      commonName: o.commonName,
      dnsNames: o.dnsNames,
      ips: o.ips,
      usages: o.usages,
      validityMs: o.validityMs,
      now,
    });
    this.#current = {
      caPem: o.ca.trustPem,
      certPem: signed.pem,
      keyPem: await privateKeyPem(keys.privateKey),
    };
    this.issued++;
    o.events.record({
      at: now,
      kind: "scheduler",
      subject: o.commonName,
      serial: signed.serial,
      notAfter: signed.notAfter,
    });
    this.#armAt(renewalTime(signed));
  }

  #armAt(at: number): void {
    if (this.#stopped) return;
    const delay = Math.max(0, at - this.#o.clock.now());
    this.#timer = this.#o.clock.setTimeout(() => {
      this.#timer = undefined;
      if (delay > MAX_TIMER_MS) return this.#armAt(at);
      this.#renew().catch((error) => {
        this.#o.logger.error("cannot renew the scheduler's certificate; retrying", { error });
        this.#armAt(this.#o.clock.now() + RETRY_MS);
      });
    }, Math.min(delay, MAX_TIMER_MS));
  }
}
