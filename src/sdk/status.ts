/**
 * Fan-out of status events to listeners and async iterators. A listener that throws never stops delivery to
 * the others; its error goes to the logger.
 */
import type { SpokeLogger, SpokeStatus } from "./types.ts";

/** Delivers status events; after `closed` it delivers nothing more and ends every iterator. */
export class StatusEmitter {
  #listeners = new Set<(status: SpokeStatus) => void>();
  #ended = false;
  readonly #logger: SpokeLogger;

  constructor(logger: SpokeLogger) {
    this.#logger = logger;
  }

  /** Sends `status` to every listener. */
  emit(status: SpokeStatus): void {
    if (this.#ended) return;
    if (status.type === "closed") this.#ended = true;
    for (const listener of [...this.#listeners]) {
      try {
        listener(status);
      } catch (error) {
        this.#logger.warn("spoke status listener threw", { status: status.type, error: String(error) });
      }
    }
    if (this.#ended) this.#listeners.clear();
  }

  /** Adds a listener; returns the function that removes it. */
  on(listener: (status: SpokeStatus) => void): () => void {
    if (this.#ended) return () => {};
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Events from now on as an async iterable; buffered until read, finished after `closed`. */
  iterate(): AsyncIterable<SpokeStatus> {
    return { [Symbol.asyncIterator]: () => this.#iterator() };
  }

  #iterator(): AsyncIterator<SpokeStatus> {
    const buffer: SpokeStatus[] = [];
    let wake: (() => void) | undefined;
    let done = this.#ended;
    const off = this.on((status) => {
      buffer.push(status);
      if (status.type === "closed") done = true;
      wake?.();
    });
    return {
      next: async () => {
        while (buffer.length === 0 && !done) await new Promise<void>((resolve) => (wake = resolve));
        const value = buffer.shift();
        return value === undefined ? { done: true, value: undefined } : { done: false, value };
      },
      return: async () => {
        off();
        done = true;
        buffer.length = 0;
        wake?.();
        return { done: true, value: undefined };
      },
    };
  }
}
