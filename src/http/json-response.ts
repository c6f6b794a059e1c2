import { retryAfterHeader } from "../limits/index.ts";
import type { HubError } from "../protocol/index.ts";

const JSON_HEADERS = { "content-type": "application/json" };

/** A JSON response with `status`. */
export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...JSON_HEADERS, ...headers } });
}

/**
 * A `HubError` as an HTTP response: `{ code, message, details? }` with the status its code maps to, and
 * `Retry-After` (whole seconds) when the error says when to try again (`RATE_LIMITED`).
 */
export function errorResponse(error: HubError, headers: Record<string, string> = {}): Response {
  return jsonResponse(error.toWire(), error.httpStatus, { ...retryAfterHeader(error), ...headers });
}
