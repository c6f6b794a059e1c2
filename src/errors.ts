/**
 * Local errors: failures inside this process that decide an exit code or a log line. They are never sent to a
 * peer (that is `HubError` in `protocol/`). Each carries the process exit code it maps to (ARCHITECTURE.md).
 */

/** Process exit codes (sysexits.h where one fits). Documented in docs/operations.md. */
export const EXIT_CODES = {
  OK: 0,
  FAILURE: 1,
  /** Bad command-line usage. */
  USAGE: 64,
  /** A dependency (Postgres, Redis, the embedded data dir) could not be reached. */
  UNAVAILABLE: 69,
  /** The configuration (file, master key, encrypted values) is wrong. */
  CONFIG: 78,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** Base of the local error family: a message for an operator plus the exit code it maps to. */
export class LocalError extends Error {
  readonly exitCode: ExitCode;

  constructor(message: string, exitCode: ExitCode, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = exitCode;
  }
}

/** The configuration is wrong. The message names the file and JSON path, never a secret value. */
export class ConfigError extends LocalError {
  override readonly name = "ConfigError";
  /** The file the problem is in, when there is one. */
  readonly file: string | undefined;
  /** The JSON pointer of the offending value (`/server/port`), when there is one. */
  readonly path: string | undefined;

  constructor(message: string, options?: { file?: string; path?: string; cause?: unknown }) {
    super(message, EXIT_CODES.CONFIG, options);
    this.file = options?.file;
    this.path = options?.path;
  }
}

/** A dependency is unreachable or held by someone else. */
export class UnavailableError extends LocalError {
  override readonly name = "UnavailableError";

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, EXIT_CODES.UNAVAILABLE, options);
  }
}

/** The command line is wrong. */
export class UsageError extends LocalError {
  override readonly name = "UsageError";

  constructor(message: string) {
    super(message, EXIT_CODES.USAGE);
  }
}

/** The exit code an error maps to: its own for local errors, 1 for anything else. */
export function exitCodeOf(error: unknown): ExitCode {
  return error instanceof LocalError ? error.exitCode : EXIT_CODES.FAILURE;
}
