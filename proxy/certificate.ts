/**
 * The proxy's TLS identity under `--tls`: its key pair is made here (the private key never
 * leaves this machine), the certificate comes from the scheduler's `POST /certificates/proxy`
 * (with the admin token) and the CA from `/ca.pem`, written to `<tls-dir>/{key,cert,ca}.pem`.
 * At two thirds of its life the certificate is renewed (same key) and the file replaced:
 * etcd's grpc-proxy reads it on each new connection, so it is not restarted.
 *
 * @module
 */
import type { Clock } from "../lib/clock.ts";
import { type Logger, silentLogger } from "../lib/log.ts";
import { createCsr } from "../lib/tls/csr.ts";
import { type TlsPaths, tlsPaths, writeTlsFiles } from "../lib/tls/files.ts";
import { generateKeyPair, privateKeyPem } from "../lib/tls/keys.ts";
import { renewalTime, validityOf } from "../lib/tls/validity.ts";

/** Settings of {@linkcode ProxyCertificate}. */
export interface ProxyCertificateOptions {
  /** The schedulers' admin APIs, tried in turn. */
  schedulerUrls: readonly string[];
  /** The admin token. */
  token: string;
  /** Where the files go. */
  dir: string;
  /** Names to ask for (the proxy's listen host, `localhost`, `127.0.0.1`…). */
  dnsNames: string[];
  ips: string[];
  clock: Clock;
  fetch?: typeof fetch;
  logger?: Logger;
  /** Pause after a failed renewal; default 60 s. */
  retryMs?: number;
}

const MAX_TIMER_MS = 86_400_000;

/** The proxy's certificate, kept renewed until {@linkcode stop}. */
export class ProxyCertificate {
  readonly #o: ProxyCertificateOptions;
  readonly #log: Logger;
  readonly paths: TlsPaths;
  #keys: CryptoKeyPair | undefined;
  #timer: number | undefined;
  #stopped = false;
  /** Certificates written so far. */
  issued = 0;

  constructor(options: ProxyCertificateOptions) {
    this.#o = options;
    this.#log = options.logger ?? silentLogger;
    this.paths = tlsPaths(options.dir);
  }

  /**
   * Makes the key and gets the first certificate.
   *
   * @throws {Error} naming each scheduler and what it answered when none signed.
   */
  async obtain(): Promise<void> {
    await Deno.mkdir(this.#o.dir, { recursive: true, mode: 0o700 });
    this.#keys = await generateKeyPair();
    await writeTlsFiles(this.paths, { keyPem: await privateKeyPem(this.#keys.privateKey) });
    await this.#renew();
  }

  /** Stops renewing. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  async #renew(): Promise<void> {
    const csr = await createCsr(this.#keys!, {
      commonName: "etcd-mesos-proxy",
      dnsNames: this.#o.dnsNames,
      ips: this.#o.ips,
    });
    const doFetch = this.#o.fetch ?? fetch;
    const failures: string[] = [];
    for (const base of this.#o.schedulerUrls) {
      try {
        const res = await doFetch(`${base}/certificates/proxy`, {
          method: "POST",
          body: csr,
          headers: { authorization: `Bearer ${this.#o.token}` },
          signal: AbortSignal.timeout(10_000),
        });
        const certPem = await res.text();
        if (!res.ok) {
          failures.push(`${base}: ${res.status} ${certPem.trim().slice(0, 200)}`);
          continue;
        }
        const caPem = await (await doFetch(`${base}/ca.pem`)).text();
        await writeTlsFiles(this.paths, { caPem, certPem });
        this.issued++;
        const validity = validityOf(certPem, "the proxy certificate");
        this.#log.info(
          this.issued === 1 ? "proxy certificate in place" : "proxy certificate renewed",
          {
            from: base,
            notAfter: new Date(validity.notAfter).toISOString(),
          },
        );
        this.#armAt(renewalTime(validity));
        return;
      } catch (error) {
        failures.push(`${base}: ${(error as Error).message}`);
      }
    }
    throw new Error(`Cannot get the proxy's certificate: ${failures.join("; ")}`);
  }

  #armAt(at: number): void {
    if (this.#stopped) return;
    const delay = Math.max(0, at - this.#o.clock.now());
    this.#timer = this.#o.clock.setTimeout(() => {
      this.#timer = undefined;
      if (delay > MAX_TIMER_MS) return this.#armAt(at);
      this.#renew().catch((error) => {
        this.#log.error("cannot renew the proxy certificate; retrying", { error });
        this.#armAt(this.#o.clock.now() + (this.#o.retryMs ?? 60_000));
      });
    }, Math.min(delay, MAX_TIMER_MS));
  }
}
