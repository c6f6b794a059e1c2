import { UnavailableError } from "../errors.ts";

/**
 * Error codes postgres.js (and Node sockets under it) give a query that could not reach the server: the
 * connection was refused, reset, closed or timed out. They say nothing about the query itself.
 */
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
]);

/**
 * True when `error` (or an error it was caused by) means the database could not be reached — a refused or
 * broken connection, a deadline that passed (`UnavailableError`), or a server that is shutting down or
 * refusing connections (SQLSTATE class 08, 57P01–57P03, 53300 too many connections), or a closed PGlite —
 * rather than a problem with the statement. Such a
 * failure is answered `UNAVAILABLE` (HTTP 503, retryable), never as an internal error with the SQL in it.
 */
export function isStoreUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof UnavailableError) return true;
    if (/PGlite is closed/i.test(e.message)) return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code !== "string") continue;
    if (CONNECTION_CODES.has(code)) return true;
    if (/^08[0-9A-Z]{3}$/.test(code) || /^57P0[123]$/.test(code) || code === "53300") return true;
  }
  return false;
}

/**
 * A short reason for a log line: the driver's own message, not Drizzle's wrapper ("Failed query: …"), which
 * repeats the whole statement with its parameters.
 */
export function storeErrorReason(error: unknown): string {
  let e = error;
  while (e instanceof Error && e.message.startsWith("Failed query") && e.cause !== undefined) e = e.cause;
  const text = e instanceof Error ? e.message || e.name : String(e);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/**
 * The SQLSTATE of a driver error, looked up through `cause` chains (Drizzle wraps driver errors in
 * `DrizzleQueryError`); undefined for connection failures, which carry no SQLSTATE.
 */
export function sqlStateOf(error: unknown): string | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/**
 * True when the database refused the data itself (SQLSTATE class 22 data exception or 23 integrity violation):
 * retrying the same rows cannot help, so they are written one by one and the bad ones dropped.
 */
export function isRowError(error: unknown): boolean {
  const state = sqlStateOf(error);
  return state !== undefined && (state.startsWith("22") || state.startsWith("23"));
}
