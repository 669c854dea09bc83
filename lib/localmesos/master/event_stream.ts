/**
 * One subscriber's RecordIO event stream (a scheduler's SUBSCRIBE or an operator
 * SUBSCRIBE): encodes events in the negotiated encoding, sends heartbeats on the injected
 * clock, and reports when the client goes away.
 *
 * @module
 */
import type { Clock } from "../../clock.ts";
import { encodeMessage, type Encoding } from "../../mesos/encoding.ts";
import type { Plain } from "../../mesos/plain.ts";
import { RecordIOStream, streamResponse } from "../http_util.ts";

/** Options for {@linkcode EventStream}. */
export interface EventStreamOptions {
  /** Message type of the events, e.g. `mesos.v1.scheduler.Event`. */
  typeName: string;
  encoding: Encoding;
  clock: Clock;
  /** Interval of HEARTBEAT events once {@linkcode EventStream.startHeartbeats} ran. */
  heartbeatSeconds: number;
  /** Extra response headers (e.g. `Mesos-Stream-Id`). */
  headers?: Record<string, string>;
}

/** A live event stream; {@linkcode EventStream.response} is the HTTP answer to return. */
export class EventStream {
  readonly encoding: Encoding;
  readonly #typeName: string;
  readonly #clock: Clock;
  readonly #heartbeatMs: number;
  readonly #headers: Record<string, string>;
  readonly #stream = new RecordIOStream();
  #timer: number | undefined;

  constructor(options: EventStreamOptions) {
    this.encoding = options.encoding;
    this.#typeName = options.typeName;
    this.#clock = options.clock;
    this.#heartbeatMs = options.heartbeatSeconds * 1000;
    this.#headers = options.headers ?? {};
    this.#stream.closed.then(() => this.#stopHeartbeats());
  }

  /** Resolves when the stream ends: `true` if the client went away, `false` if we closed it. */
  get closed(): Promise<boolean> {
    return this.#stream.closed;
  }

  /** False once closed by either side. */
  get isOpen(): boolean {
    return this.#stream.isOpen;
  }

  /** The `200` streaming response carrying this stream. */
  response(): Response {
    return streamResponse(this.#stream, this.encoding, this.#headers);
  }

  /** Encodes and sends one event; false when the stream is closed. */
  send(event: Plain): boolean {
    if (!this.#stream.isOpen) return false;
    return this.#stream.send(encodeMessage(this.#typeName, event, this.encoding));
  }

  /** Sends a HEARTBEAT now and then every interval until closed. */
  startHeartbeats(): void {
    this.#stopHeartbeats();
    const beat = () => {
      if (!this.send({ type: "HEARTBEAT" })) return;
      this.#timer = this.#clock.setTimeout(beat, this.#heartbeatMs);
    };
    beat();
  }

  /** Ends the response after what was already sent. */
  close(): void {
    this.#stopHeartbeats();
    this.#stream.close();
  }

  #stopHeartbeats() {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
