/**
 * Feeds inputs to a synchronous handler strictly one at a time, in arrival order. An input
 * pushed while the handler runs (for example by an effect that answers at once) waits until
 * the current one is finished, so the core never sees interleaved steps.
 *
 * @module
 */

/** Options of {@linkcode InputQueue}. */
export interface InputQueueOptions<T> {
  /** Handles one input; must not await. */
  handle: (input: T) => void;
  /** Called when `handle` throws; the queue goes on with the next input. */
  onError: (error: unknown, input: T) => void;
}

/** A serial, re-entrancy-safe input queue. */
export class InputQueue<T> {
  readonly #handle: (input: T) => void;
  readonly #onError: (error: unknown, input: T) => void;
  readonly #items: T[] = [];
  #draining = false;
  #closed = false;

  constructor(options: InputQueueOptions<T>) {
    this.#handle = options.handle;
    this.#onError = options.onError;
  }

  /** Inputs waiting behind the one being handled. */
  get size(): number {
    return this.#items.length;
  }

  /** True after {@linkcode InputQueue.close}. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Handles `input` now, or after the inputs ahead of it; ignored once closed. */
  push(input: T): void {
    if (this.#closed) return;
    this.#items.push(input);
    if (this.#draining) return;
    this.#draining = true;
    try {
      for (let next = this.#items.shift(); next !== undefined; next = this.#items.shift()) {
        if (this.#closed) break;
        try {
          this.#handle(next);
        } catch (error) {
          this.#onError(error, next);
        }
      }
    } finally {
      this.#draining = false;
    }
  }

  /** Drops queued inputs and ignores later ones. */
  close(): void {
    this.#closed = true;
    this.#items.length = 0;
  }
}
