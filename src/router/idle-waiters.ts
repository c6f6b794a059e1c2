/**
 * Waiting for a table of calls to empty, as a drain does: `wait` resolves when `count()` reaches zero or after a
 * timeout; the owner of the table calls `check()` whenever an entry leaves. One piece for the router's calls and
 * the calls other instances forward to this one.
 */
export class IdleWaiters {
  readonly #count: () => number;
  #waiters: Array<() => void> = [];

  constructor(count: () => number) {
    this.#count = count;
  }

  /** Resolves when nothing is left, or after `timeoutMs`; returns how many entries were still there. */
  async wait(timeoutMs: number): Promise<number> {
    if (this.#count() === 0) return 0;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.#waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    return this.#count();
  }

  /** Wakes the waiters once the table is empty. Cheap enough for every removal. */
  check(): void {
    if (this.#waiters.length === 0 || this.#count() > 0) return;
    for (const wake of this.#waiters.splice(0)) wake();
  }
}
