import type { Logger } from "../log/index.ts";
import { HubError } from "../protocol/index.ts";
import { errorResponse } from "./json-response.ts";

/**
 * The answer to a route that failed: Elysia's own refusals as `HubError`s, a thrown `HubError` as itself, and
 * anything else as a plain 500 whose real error goes to `log` only (driver errors carry SQL and parameters).
 */
export function routeErrorResponse(
  log: Logger,
): (context: { code: unknown; error: unknown; request: Request }) => Response {
  return ({ code, error, request }) => {
    if (code === "NOT_FOUND") return errorResponse(new HubError("OPERATION_NOT_FOUND", "no such route"));
    if (code === "PARSE" || code === "VALIDATION")
      return errorResponse(new HubError("VALIDATION_ERROR", "the request could not be read"));
    if (error instanceof HubError) return errorResponse(error);
    log.error("request failed", { path: new URL(request.url).pathname, error });
    return errorResponse(new HubError("UNKNOWN_ERROR", "internal error"));
  };
}
