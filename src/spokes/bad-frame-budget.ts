/** Window of the bad-frame budget. */
export const BAD_FRAME_WINDOW_MS = 60_000;

/**
 * Counts protocol violations in a sliding one-minute window; once a connection has spent its budget it is
 * closed with 4400 (PROTOCOL.md › Frames).
 */
export class BadFrameBudget {
  readonly #limit: number;
  readonly #times: number[] = [];

  constructor(limitPerMinute: number) {
    this.#limit = limitPerMinute;
  }

  /** Records one bad frame at `now`; returns true when the budget is now exceeded. */
  spend(now: number): boolean {
    while (this.#times.length > 0 && now - this.#times[0]! >= BAD_FRAME_WINDOW_MS) this.#times.shift();
    this.#times.push(now);
    return this.#times.length > this.#limit;
  }
}
