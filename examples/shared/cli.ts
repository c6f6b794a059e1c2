/**
 * Command-line handling shared by the example spokes: strict argument parsing, the key file, and the usage
 * error that `main.ts` turns into exit code 64.
 */
import { parseArgs } from "node:util";

/** Exit code for bad usage (sysexits.h `EX_USAGE`), the same as the `alkhub` CLI's. */
export const EXIT_USAGE = 64;
/** Exit code when the hub cannot be reached or refuses the spoke (sysexits.h `EX_UNAVAILABLE`). */
export const EXIT_UNAVAILABLE = 69;

/** Bad command-line input; the message names the option and is safe to print (never holds the key). */
export class ExampleUsageError extends Error {
  override readonly name = "ExampleUsageError";
}

/** One extra option of a spoke's command line (always a string valued `--flag <value>`). */
export interface ExtraOption {
  /** Whether leaving it out is a usage error. */
  required: boolean;
}

/** The options every example spoke takes. */
export interface SpokeArgs {
  /** The hub's `/ws` URL (`ws://` or `wss://`). */
  url: string;
  /** The spoke name to register. */
  name: string;
  /** Path of the file holding the API key. */
  keyFile: string;
  /** Values of the spoke's extra options, by option name; absent when not given. */
  extra: Record<string, string | undefined>;
  /** `--help` was given: print the usage and exit 0. */
  help: boolean;
}

/**
 * Parses argv strictly (unknown options, positionals and missing values are errors). `--url`, `--name` and
 * `--key-file` are required unless `--help` is given. Throws `ExampleUsageError` naming the problem.
 */
export function parseSpokeArgs(argv: string[], extraOptions: Record<string, ExtraOption> = {}): SpokeArgs {
  const extraSpec = Object.fromEntries(Object.keys(extraOptions).map((key) => [key, { type: "string" }]));
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options: {
        url: { type: "string" },
        name: { type: "string" },
        "key-file": { type: "string" },
        help: { type: "boolean", short: "h" },
        ...(extraSpec as Record<string, { type: "string" }>),
      },
      allowPositionals: false,
      strict: true,
    }).values as Record<string, string | boolean | undefined>;
  } catch (error) {
    throw new ExampleUsageError(error instanceof Error ? error.message : String(error));
  }
  const help = values.help === true;
  const text = (key: string): string | undefined => {
    const value = values[key];
    return typeof value === "string" ? value : undefined;
  };
  const required = ["url", "name", "key-file"].concat(
    Object.entries(extraOptions)
      .filter(([, option]) => option.required)
      .map(([key]) => key),
  );
  if (!help) {
    for (const key of required) {
      const value = text(key);
      if (value === undefined || value.trim() === "") throw new ExampleUsageError(`--${key} is required`);
    }
  }
  const url = text("url") ?? "";
  if (!help && !/^wss?:\/\//i.test(url)) {
    throw new ExampleUsageError(`--url must start with ws:// or wss:// (e.g. ws://127.0.0.1:3000/ws)`);
  }
  const extra = Object.fromEntries(Object.keys(extraOptions).map((key) => [key, text(key)]));
  return { url, name: text("name") ?? "", keyFile: text("key-file") ?? "", extra, help };
}

/**
 * Parses a whole number of at least `min` given as `--<option>`. Throws `ExampleUsageError` naming the option.
 */
export function parsePositiveIntegerOption(option: string, value: string, min = 1): number {
  if (!/^\d+$/.test(value)) throw new ExampleUsageError(`--${option} must be a whole number, got "${value}"`);
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < min) {
    throw new ExampleUsageError(`--${option} must be a whole number ≥ ${min}, got "${value}"`);
  }
  return parsed;
}
