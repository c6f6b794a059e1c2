/**
 * Telling "the database is unreachable" from "the database refused this statement": the first is worth a 503
 * and a retry, the second is a bug or bad input. Drizzle wraps driver errors, so the cause chain is walked.
 */

/** postgres.js connection failure codes, and the socket errors it passes through. */
const CONNECTION_CODES = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENOTFOUND",
]);

/**
 * True when `error` says the store cannot be reached or is shutting down: a connection error of the driver,
 * SQLSTATE class 08 (connection exception), 57P01–57P03 (shutdown, cannot connect now) or 53300 (too many
 * connections), or a closed PGlite.
 */
export function isStoreOutage(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 6; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") {
      if (CONNECTION_CODES.has(code)) return true;
      if (code.startsWith("08") || /^57P0[123]$/.test(code) || code === "53300") return true;
    }
    if (/PGlite is closed/i.test(e.message)) return true;
  }
  return false;
}
