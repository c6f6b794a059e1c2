/** `CallOptions.retry`: calls that are safe to repeat, tried again after retryable failures. */
import { HubError } from "../protocol/index.ts";
import { backoffDelayMs, sleep } from "./backoff.ts";
import type { RetryOptions } from "./types.ts";

/** Attempts in all when `retry: true`. */
export const DEFAULT_RETRY_ATTEMPTS = 5;
/** Delay before the second attempt when `retry: true`, in milliseconds. */
export const DEFAULT_RETRY_INITIAL_DELAY_MS = 100;
/** Largest delay between attempts when `retry: true`, in milliseconds. */
export const DEFAULT_RETRY_MAX_DELAY_MS = 2000;

/** Failures after which a repeatable call is tried again: the target may be back in a moment. */
const RETRIED_CODES: ReadonlySet<string> = new Set([
  "SPOKE_UNAVAILABLE",
  "SPOKE_DISCONNECTED",
  "SPOKE_BUSY",
  "RATE_LIMITED",
  "UNAVAILABLE",
]);

/**
 * Runs `attempt` until it succeeds, fails with an error that is not retried, `signal` aborts, or the attempts
 * run out (the last error is rethrown). A `retryAfterMs` in the error's details is honoured when longer.
 */
export async function withRetry<T>(
  attempt: () => Promise<T>,
  retry: true | RetryOptions,
  signal?: AbortSignal,
): Promise<T> {
  const options = retry === true ? {} : retry;
  const policy = {
    initialDelayMs: options.initialDelayMs ?? DEFAULT_RETRY_INITIAL_DELAY_MS,
    maxDelayMs: options.maxDelayMs ?? DEFAULT_RETRY_MAX_DELAY_MS,
    maxAttempts: options.attempts ?? DEFAULT_RETRY_ATTEMPTS,
  };
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      const retried = error instanceof HubError && RETRIED_CODES.has(error.code);
      if (!retried || n >= policy.maxAttempts) throw error;
      if (!signal?.aborted) await sleep(Math.max(backoffDelayMs(n, policy), retryAfterMs(error)), signal);
      if (signal?.aborted) throw new HubError("ABORTED", "the call was aborted while waiting to retry");
    }
  }
}

function retryAfterMs(error: HubError): number {
  const details = error.details as { retryAfterMs?: unknown } | undefined;
  return typeof details?.retryAfterMs === "number" && details.retryAfterMs > 0 ? details.retryAfterMs : 0;
}
