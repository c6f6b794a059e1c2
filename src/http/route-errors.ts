import type { Logger } from "../log/index.ts";
import { HubError } from "../protocol/index.ts";
import { isStoreUnavailable } from "../store/index.ts";
import { errorResponse } from "./json-response.ts";

/**
 * The answer to a route that failed: Elysia's own refusals as `HubError`s, a thrown `HubError` as itself, and
 * an unreachable store as a retryable 503, and anything else as a plain 500 whose real error goes to `log` only
 * (driver errors carry SQL and parameters).
 */
export function routeErrorResponse(
  log: Logger,
): (context: { code: unknown; error: unknown; request: Request }) => Response {
  return ({ code, error, request }) => {
    if (code === "NOT_FOUND") return errorResponse(new HubError("OPERATION_NOT_FOUND", "no such route"));
    if (code === "PARSE" || code === "VALIDATION")
      return errorResponse(new HubError("VALIDATION_ERROR", "the request could not be read"));
    if (error instanceof HubError) return errorResponse(error);
    if (isStoreUnavailable(error)) {
      // The database is away: a retryable 503, like every other surface says it (never the driver's text).
      log.warn("request failed: the store is unreachable", { path: new URL(request.url).pathname });
      return errorResponse(
        new HubError("UNAVAILABLE", "the store is unreachable right now; retry", {
          details: { retryAfterMs: 1000 },
        }),
      );
    }
    log.error("request failed", { path: new URL(request.url).pathname, error });
    return errorResponse(new HubError("UNKNOWN_ERROR", "internal error"));
  };
}
