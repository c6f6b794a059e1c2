import { describe, expect, test } from "bun:test";
import { addSeries, CallStats, STATS_BUCKET_MS, STATS_BUCKETS } from "./call-stats.ts";

const T0 = 1_765_000_000_000; // a multiple of 10 s

describe("CallStats", () => {
  test("counts calls and errors into 10 s buckets, oldest first, the current bucket last", () => {
    const stats = new CallStats();
    stats.count(T0 + 1, false);
    stats.count(T0 + 9_999, true);
    stats.count(T0 + STATS_BUCKET_MS, false);
    const series = stats.series(T0 + STATS_BUCKET_MS + 5);
    expect(series.calls).toHaveLength(STATS_BUCKETS);
    expect(series.firstBucket).toBe(T0 / STATS_BUCKET_MS + 2 - STATS_BUCKETS);
    expect(series.calls.slice(-2)).toEqual([2, 1]);
    expect(series.errors.slice(-2)).toEqual([1, 0]);
    expect(series.calls.slice(0, -2).every((n) => n === 0)).toBe(true);
  });

  test("a slot reused 15 minutes later starts from zero; buckets older than the window are not shown", () => {
    const stats = new CallStats();
    stats.count(T0, true);
    const later = T0 + STATS_BUCKETS * STATS_BUCKET_MS;
    stats.count(later, false);
    const series = stats.series(later);
    expect(series.calls.at(-1)).toBe(1);
    expect(series.errors.at(-1)).toBe(0);
    expect(series.calls.reduce((a, b) => a + b, 0)).toBe(1);
    // Nothing counted for a while: the old bucket falls out of the window though its slot still holds it.
    expect(stats.series(later + 20 * 60_000).calls.every((n) => n === 0)).toBe(true);
  });

  test("a late call into a bucket older than its slot holds is dropped, not mixed into the new one", () => {
    const stats = new CallStats();
    const later = T0 + STATS_BUCKETS * STATS_BUCKET_MS;
    stats.count(later, false);
    stats.count(T0, true);
    expect(stats.series(later).errors.every((n) => n === 0)).toBe(true);
  });

  test("addSeries sums overlapping buckets of a series shifted in time", () => {
    const a = new CallStats();
    const b = new CallStats();
    a.count(T0, false);
    b.count(T0, true);
    b.count(T0 - 20 * 60_000, false); // outside a's window
    const mine = a.series(T0 + STATS_BUCKET_MS);
    addSeries(mine, b.series(T0));
    expect(mine.calls.slice(-2)).toEqual([2, 0]);
    expect(mine.errors.slice(-2)).toEqual([1, 0]);
    expect(mine.calls.reduce((x, y) => x + y, 0)).toBe(2);
  });
});
