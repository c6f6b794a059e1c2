/**
 * The error codes that cross the wire (PROTOCOL.md › Error codes) and the one error class that carries them.
 * Local failures are plain `Error` subclasses and are never serialised; only a `HubError` reaches a peer.
 */

/** Every code the hub itself produces. Spokes may also send their own `[A-Z][A-Z0-9_]*` domain codes. */
export const ERROR_CODES = [
  "OPERATION_NOT_FOUND",
  "ACCESS_DENIED",
  "VALIDATION_ERROR",
  "TIMEOUT",
  "ABORTED",
  "EXECUTION_ERROR",
  "SPOKE_UNAVAILABLE",
  "SPOKE_DISCONNECTED",
  "SPOKE_BUSY",
  "NAME_TAKEN",
  "PAYLOAD_TOO_LARGE",
  "RATE_LIMITED",
  "UNAVAILABLE",
  "UNKNOWN_ERROR",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** A spoke's own domain code: upper snake case, like the hub's codes. */
export const DOMAIN_CODE_PATTERN = /^[A-Z][A-Z0-9_]*$/;

/** HTTP status that each hub code maps to on the HTTP surfaces. */
export const HTTP_STATUS_BY_CODE: Record<ErrorCode, number> = {
  OPERATION_NOT_FOUND: 404,
  ACCESS_DENIED: 403,
  VALIDATION_ERROR: 400,
  TIMEOUT: 504,
  ABORTED: 499,
  EXECUTION_ERROR: 502,
  SPOKE_UNAVAILABLE: 503,
  SPOKE_DISCONNECTED: 502,
  SPOKE_BUSY: 429,
  NAME_TAKEN: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  UNKNOWN_ERROR: 500,
};

/** Codes after which the same call may succeed if simply tried again later. */
const RETRYABLE_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  "TIMEOUT",
  "SPOKE_UNAVAILABLE",
  "SPOKE_DISCONNECTED",
  "SPOKE_BUSY",
  "RATE_LIMITED",
  "UNAVAILABLE",
]);

/** The JSON shape of an error on every surface (frame payload, HTTP body, MCP `isError` content). */
export interface WireError {
  code: string;
  message: string;
  details?: unknown;
}

/** An error meant for a peer: a code, a message safe to show, optional details. */
export class HubError extends Error {
  override readonly name = "HubError";
  readonly code: string;
  readonly details: unknown;

  constructor(
    code: ErrorCode | (string & {}),
    message: string,
    options?: { details?: unknown; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options?.details;
  }

  /** Whether trying the same call again later may succeed. */
  get retryable(): boolean {
    return RETRYABLE_CODES.has(this.code);
  }

  /** HTTP status for this error; domain codes from spokes count as execution errors. */
  get httpStatus(): number {
    return HTTP_STATUS_BY_CODE[this.code as ErrorCode] ?? HTTP_STATUS_BY_CODE.EXECUTION_ERROR;
  }

  toWire(): WireError {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/** True when `code` is one of the hub's own codes. */
export function isHubErrorCode(code: string): code is ErrorCode {
  return (ERROR_CODES as readonly string[]).includes(code);
}
