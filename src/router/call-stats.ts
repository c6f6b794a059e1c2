/**
 * Calls and errors per 10-second bucket over the last 15 minutes, for `GET /api/v1/stats` and the dashboard.
 * Counted where the router already counts every finished call (`CallMetrics`): a slot index, a compare and one
 * or two increments in preallocated typed arrays — no allocation, no I/O on the relay.
 */

/** Width of one bucket, in milliseconds. */
export const STATS_BUCKET_MS = 10_000;
/** Buckets kept: 90 × 10 s = 15 minutes. */
export const STATS_BUCKETS = 90;

/** Counts of the last `STATS_BUCKETS` buckets, oldest first, the last one being the current (partial) one. */
export interface StatsSeries {
  /** Start of the first bucket, as a bucket number (epoch ms / `STATS_BUCKET_MS`). */
  firstBucket: number;
  calls: number[];
  errors: number[];
}

/** A ring of per-bucket counters keyed by bucket number; a slot is reset when a new bucket reuses it. */
export class CallStats {
  readonly #bucket = new Float64Array(STATS_BUCKETS).fill(-1);
  readonly #calls = new Uint32Array(STATS_BUCKETS);
  readonly #errors = new Uint32Array(STATS_BUCKETS);

  /** Counts one call that finished at `at` (epoch ms); `error` for outcomes `error` and `timeout`. O(1). */
  count(at: number, error: boolean): void {
    const bucket = Math.floor(at / STATS_BUCKET_MS);
    const slot = bucket % STATS_BUCKETS;
    if (this.#bucket[slot] !== bucket) {
      // A call finishing late (clock step back) into a bucket older than the slot holds is not counted.
      if (bucket < this.#bucket[slot]!) return;
      this.#bucket[slot] = bucket;
      this.#calls[slot] = 0;
      this.#errors[slot] = 0;
    }
    this.#calls[slot]! += 1;
    if (error) this.#errors[slot]! += 1;
  }

  /** The last `STATS_BUCKETS` buckets up to the one holding `now`, oldest first (zeros where none counted). */
  series(now: number): StatsSeries {
    const last = Math.floor(now / STATS_BUCKET_MS);
    const firstBucket = last - STATS_BUCKETS + 1;
    const calls: number[] = [];
    const errors: number[] = [];
    for (let bucket = firstBucket; bucket <= last; bucket++) {
      const slot = bucket % STATS_BUCKETS;
      const held = this.#bucket[slot] === bucket;
      calls.push(held ? this.#calls[slot]! : 0);
      errors.push(held ? this.#errors[slot]! : 0);
    }
    return { firstBucket, calls, errors };
  }
}

/**
 * Adds `other` into `into` bucket by bucket where their windows overlap (another instance's series, sent a
 * few seconds earlier, is shifted by the buckets between).
 */
export function addSeries(into: StatsSeries, other: StatsSeries): void {
  for (let i = 0; i < other.calls.length; i++) {
    const at = other.firstBucket + i - into.firstBucket;
    if (at < 0 || at >= into.calls.length) continue;
    into.calls[at]! += other.calls[i] ?? 0;
    into.errors[at]! += other.errors[i] ?? 0;
  }
}
