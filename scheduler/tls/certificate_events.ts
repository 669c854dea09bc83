/**
 * Every certificate the scheduler signs, as an event: a log line (never the certificate
 * or any key, only who, what and until when) and an entry of the admin API's history.
 *
 * @module
 */
import type { Logger } from "../../lib/log.ts";

/** One signed certificate. */
export interface CertificateEvent {
  /** When it was signed (ms since the epoch). */
  at: number;
  /** Whose: a member, the scheduler itself, the proxy, or a client via `POST /certificates`. */
  kind: "member" | "scheduler" | "proxy" | "client";
  /** The certificate's common name. */
  subject: string;
  /** Serial number, hex. */
  serial: string;
  notAfter: number;
  /** Who asked (a task, an admin API caller's address). */
  requester?: string;
  /** Subject alternative names granted. */
  names?: string[];
}

/** How many events are kept. */
export const MAX_CERTIFICATE_EVENTS = 200;

/** The certificates signed so far (the last {@linkcode MAX_CERTIFICATE_EVENTS}). */
export class CertificateEvents {
  readonly #log: Logger;
  readonly #events: CertificateEvent[] = [];
  readonly #listeners = new Set<(event: CertificateEvent) => void>();
  #count = 0;

  constructor(logger: Logger) {
    this.#log = logger;
  }

  /**
   * Calls `listener` with every event recorded from now on (with `replay`, first with those
   * kept so far), e.g. for the audit trail; returns a function that stops it.
   */
  onRecord(
    listener: (event: CertificateEvent) => void,
    options: { replay?: boolean } = {},
  ): () => void {
    if (options.replay) { for (const e of this.#events) listener(e); }
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Records and logs `event`. */
  record(event: CertificateEvent): void {
    this.#count++;
    this.#events.push(event);
    if (this.#events.length > MAX_CERTIFICATE_EVENTS) this.#events.shift();
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.#log.warn("certificate event listener failed", { error });
      }
    }
    this.#log.info("certificate signed", {
      kind: event.kind,
      subject: event.subject,
      serial: event.serial,
      notAfter: new Date(event.notAfter).toISOString(),
      ...(event.requester !== undefined ? { requester: event.requester } : {}),
      ...(event.names !== undefined ? { names: event.names.join(",") } : {}),
    });
  }

  /** The events, oldest first, with dates as ISO text. */
  view(): (Omit<CertificateEvent, "at" | "notAfter"> & { at: string; notAfter: string })[] {
    return this.#events.map((e) => ({
      ...e,
      at: new Date(e.at).toISOString(),
      notAfter: new Date(e.notAfter).toISOString(),
    }));
  }

  /** How many certificates were signed since start. */
  get count(): number {
    return this.#count;
  }
}
