/**
 * What one key may cost (issue #10 items 6 and 7): per-key token bucket and caps, shared across instances over
 * the bus, and the limiter of failed authentications.
 */

export {
  AUTH_FAILURE_FLUSH_MS,
  type AuthFailureLimits,
  type AuthFailureRow,
  AuthFailures,
} from "./auth-failures.ts";
export {
  type HeldKind,
  KeyLimits,
  KeyUsage,
  type PerKeyLimits,
  rateLimited,
  retryAfterHeader,
  retryAfterMsOf,
} from "./key-limits.ts";
export { LIMITS_CHANNEL, LimitShare, SHARE_INTERVAL_MS } from "./limit-share.ts";
