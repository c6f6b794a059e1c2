/** The local concurrency limit, shared by all of a spoke's connections. */

/** Counts calls being served, in total and per operation. */
export class ConcurrencyGate {
  #total = 0;
  #byOperation = new Map<string, number>();
  readonly #max: number;

  /** `max`: most calls at once across all operations (default: no limit). */
  constructor(max = Number.POSITIVE_INFINITY) {
    this.#max = max;
  }

  /** Calls being served now. */
  get active(): number {
    return this.#total;
  }

  /** Takes a slot for `operation` unless either limit is reached; false means "answer SPOKE_BUSY". */
  tryAcquire(operation: string, operationMax = Number.POSITIVE_INFINITY): boolean {
    const current = this.#byOperation.get(operation) ?? 0;
    if (this.#total >= this.#max || current >= operationMax) return false;
    this.#total += 1;
    this.#byOperation.set(operation, current + 1);
    return true;
  }

  /** Gives back a slot taken by `tryAcquire`. */
  release(operation: string): void {
    const current = this.#byOperation.get(operation) ?? 0;
    if (current <= 1) this.#byOperation.delete(operation);
    else this.#byOperation.set(operation, current - 1);
    this.#total = Math.max(0, this.#total - 1);
  }
}
