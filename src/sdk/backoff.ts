/** Delays of the reconnect loop, as pure functions of the attempt number and a random source. */
import type { ReconnectOptions } from "./types.ts";

/** First reconnect delay, in milliseconds. */
export const DEFAULT_INITIAL_DELAY_MS = 250;
/**
 * Largest reconnect delay, in milliseconds. Small enough that a fleet is back within a few seconds of a hub that
 * was down for a while (a restart after a crash takes seconds); an attempt against a hub that is down costs it a
 * refused connection or a 503, so even 15,000 spokes retrying this often are cheap.
 */
export const DEFAULT_MAX_DELAY_MS = 5000;

/** A reconnect policy with every default filled in. */
export interface BackoffPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  maxAttempts: number;
}

/** Fills the defaults of `options`. */
export function backoffPolicy(options: ReconnectOptions = {}): BackoffPolicy {
  return {
    initialDelayMs: options.initialDelayMs ?? DEFAULT_INITIAL_DELAY_MS,
    maxDelayMs: options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS,
    maxAttempts: options.maxAttempts ?? Number.POSITIVE_INFINITY,
  };
}

/**
 * Delay before reconnect attempt `attempt` (1-based), in milliseconds: the exponential step
 * `initialDelayMs · 2^(attempt-1)` capped at `maxDelayMs`, then "equal jitter" (half fixed, half random) so
 * that spokes dropped together do not all come back at the same instant.
 */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random) {
  const step = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + (random() * step) / 2);
}

/** Delay after `hub.draining`, in milliseconds: `retryAfterMs` plus up to half of it (at least 100 ms) of jitter. */
export function drainDelayMs(retryAfterMs: number, random: () => number = Math.random): number {
  return Math.round(retryAfterMs + random() * Math.max(100, retryAfterMs / 2));
}

/** Resolves after `ms`, or at once when `signal` aborts. Never rejects. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
