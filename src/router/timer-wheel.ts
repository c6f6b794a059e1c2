/** Where the router reads the time and schedules its one periodic tick; tests pass a fake one. */
export interface Clock {
  now(): number;
  /** Calls `tick` every `ms` until the returned function is called. */
  every(ms: number, tick: () => void): () => void;
}

export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  every(ms, tick) {
    const timer = setInterval(tick, ms);
    return () => clearInterval(timer);
  },
};

/**
 * Deadlines for many entries on one periodic tick, instead of a timer per entry (issue #11: a timer per call
 * was a measurable share of the relay's cost). Time is cut into slots of `tickMs`; an entry due at `at` waits in
 * slot `ceil(at / tickMs)` and is handed to `onDue` at the first tick at or after its time — never early, at most
 * one tick late. Scheduling and cancelling are a Map lookup and a Set add or delete. The tick runs only while
 * entries wait (it stops at the first tick that finds the wheel empty).
 */
export class TimerWheel<T> {
  readonly #clock: Clock;
  readonly #tickMs: number;
  readonly #onDue: (entry: T) => void;
  readonly #slots = new Map<number, Set<T>>();
  #size = 0;
  /** The last slot handed out; new entries go after it. */
  #lastSlot = 0;
  #stop: (() => void) | undefined;

  constructor(clock: Clock, tickMs: number, onDue: (entry: T) => void) {
    this.#clock = clock;
    this.#tickMs = tickMs;
    this.#onDue = onDue;
  }

  /** Entries waiting. */
  get size(): number {
    return this.#size;
  }

  /** Schedules `entry` for epoch ms `at`; returns its slot, which `cancel` needs. */
  schedule(entry: T, at: number): number {
    if (this.#stop === undefined) {
      this.#lastSlot = Math.floor(this.#clock.now() / this.#tickMs);
      this.#stop = this.#clock.every(this.#tickMs, () => this.#advance());
    }
    const slot = Math.max(Math.ceil(at / this.#tickMs), this.#lastSlot + 1);
    let entries = this.#slots.get(slot);
    if (entries === undefined) {
      entries = new Set();
      this.#slots.set(slot, entries);
    }
    entries.add(entry);
    this.#size++;
    return slot;
  }

  /** Removes `entry` from `slot`; harmless when it already fired or was cancelled. */
  cancel(entry: T, slot: number): void {
    const entries = this.#slots.get(slot);
    if (entries === undefined || !entries.delete(entry)) return;
    this.#size--;
    if (entries.size === 0) this.#slots.delete(slot);
  }

  /** Stops the tick; waiting entries never fire. */
  stop(): void {
    this.#stop?.();
    this.#stop = undefined;
  }

  #advance(): void {
    const nowSlot = Math.floor(this.#clock.now() / this.#tickMs);
    while (this.#lastSlot < nowSlot && this.#size > 0) {
      const slot = ++this.#lastSlot;
      const entries = this.#slots.get(slot);
      if (entries === undefined) continue;
      this.#slots.delete(slot);
      this.#size -= entries.size;
      for (const entry of entries) this.#onDue(entry);
    }
    if (this.#size === 0) this.stop();
    else this.#lastSlot = nowSlot;
  }
}
