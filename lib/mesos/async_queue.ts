/**
 * An unbounded single-consumer queue read with `for await`: producers push without
 * waiting, the consumer drains in order, and closing with an error makes the loop throw
 * it once everything queued before has been read.
 *
 * @module
 */

/** See the module comment. */
export class AsyncQueue<T> implements AsyncIterable<T> {
  #items: T[] = [];
  #waiter: ((r: IteratorResult<T>) => void) | undefined;
  #failer: ((e: unknown) => void) | undefined;
  #closed = false;
  #error: { error: unknown } | undefined;
  #iterating = false;

  /** Items waiting to be read. */
  get size(): number {
    return this.#items.length;
  }

  /** True once {@linkcode AsyncQueue.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Appends an item; ignored after close. */
  push(item: T): void {
    if (this.#closed) return;
    if (this.#waiter) {
      const w = this.#waiter;
      this.#waiter = this.#failer = undefined;
      w({ value: item, done: false });
    } else this.#items.push(item);
  }

  /** Ends the queue; with `error`, the consumer's loop throws it after the queued items. */
  close(error?: unknown): void {
    if (this.#closed) return;
    this.#closed = true;
    if (error !== undefined) this.#error = { error };
    if (this.#waiter) {
      const w = this.#waiter;
      const f = this.#failer!;
      this.#waiter = this.#failer = undefined;
      if (this.#error) f(this.#error.error);
      else w({ value: undefined, done: true });
    }
  }

  /** Reads the next item (the iterator protocol, usable without `for await`). */
  next(): Promise<IteratorResult<T>> {
    if (this.#items.length > 0) {
      return Promise.resolve({ value: this.#items.shift()!, done: false });
    }
    if (this.#closed) {
      if (this.#error) {
        const { error } = this.#error;
        this.#error = undefined; // thrown once; later reads just see the end
        return Promise.reject(error);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    if (this.#waiter) return Promise.reject(new Error("AsyncQueue has a single consumer"));
    return new Promise((resolve, reject) => {
      this.#waiter = resolve;
      this.#failer = reject;
    });
  }

  /** The single consumer's iterator. @throws {Error} when a second consumer starts. */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    if (this.#iterating) throw new Error("AsyncQueue has a single consumer");
    this.#iterating = true;
    return {
      next: () => this.next(),
      return: () => {
        this.#iterating = false;
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
