/** Small statistics for benchmark windows: a latency histogram and median [min–max] summaries. */

/** Relative width of one histogram bucket (2 %): percentiles are exact to within that. */
const BUCKET_GROWTH = 1.02;
const LOG_GROWTH = Math.log(BUCKET_GROWTH);
/** Values below 1 µs share the first bucket; the last bucket holds everything from ~1,000 s up. */
const BUCKETS = Math.ceil(Math.log(1e9) / LOG_GROWTH) + 2;

/** A log-bucketed latency histogram in microseconds: constant memory, O(1) record. */
export class Histogram {
  readonly #counts = new Float64Array(BUCKETS);
  #total = 0;

  record(us: number): void {
    const i = us <= 1 ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(us) / LOG_GROWTH));
    this.#counts[i]! += 1;
    this.#total++;
  }

  get count(): number {
    return this.#total;
  }

  /** The value below which `q` (0–1) of the samples fall, in µs (the bucket's upper bound); 0 when empty. */
  percentile(q: number): number {
    if (this.#total === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.#total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i]!;
      if (seen >= rank) return BUCKET_GROWTH ** i;
    }
    return BUCKET_GROWTH ** (BUCKETS - 1);
  }

  reset(): void {
    this.#counts.fill(0);
    this.#total = 0;
  }
}

/** Median, minimum and maximum of a set of window results. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function spread(values: number[]): Spread {
  if (values.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)! };
}

/** `median [min–max]` with a formatter for the numbers. */
export function formatSpread(s: Spread, format: (n: number) => string): string {
  if (Number.isNaN(s.median)) return "—";
  return `${format(s.median)} [${format(s.min)}–${format(s.max)}]`;
}

/** 12,345 */
export const fmtInt = (n: number) => Math.round(n).toLocaleString("en");
/** 73 µs or 1.25 ms */
export const fmtUs = (us: number) => (us < 1000 ? `${us.toFixed(0)} µs` : `${(us / 1000).toFixed(2)} ms`);
/** 0.93× */
export const fmtRatio = (r: number) => (Number.isFinite(r) ? `${r.toFixed(2)}×` : "—");
