import { expect, test } from "bun:test";
import { backoffDelayMs, backoffPolicy, drainDelayMs } from "./backoff.ts";

test("backoff doubles from initialDelayMs, caps at maxDelayMs, and jitters within [step/2, step]", () => {
  const policy = backoffPolicy({ initialDelayMs: 100, maxDelayMs: 1000 });
  expect([1, 2, 3, 4, 5, 6].map((attempt) => backoffDelayMs(attempt, policy, () => 1))).toEqual([
    100, 200, 400, 800, 1000, 1000,
  ]);
  expect([1, 2, 5].map((attempt) => backoffDelayMs(attempt, policy, () => 0))).toEqual([50, 100, 500]);
  expect(policy.maxAttempts).toBe(Number.POSITIVE_INFINITY);
});

test("defaults: 250 ms first, 5 s at most", () => {
  expect(backoffPolicy()).toEqual({
    initialDelayMs: 250,
    maxDelayMs: 5000,
    maxAttempts: Number.POSITIVE_INFINITY,
  });
});

test("after hub.draining the delay is retryAfterMs plus up to half of it (at least 100 ms) of jitter", () => {
  expect(drainDelayMs(2000, () => 0)).toBe(2000);
  expect(drainDelayMs(2000, () => 1)).toBe(3000);
  expect(drainDelayMs(0, () => 1)).toBe(100);
});
