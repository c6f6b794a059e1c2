import { parseArgs } from "node:util";
import { UsageError } from "../errors.ts";

type OptionSpec = Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }>;

/**
 * Parses a command's argv strictly: an unknown option or a missing value is a `UsageError` that names it.
 * `--help` is always accepted.
 */
export function parseCommandArgs<T extends OptionSpec>(command: string, argv: string[], options: T) {
  try {
    return parseArgs({
      args: argv,
      options: { ...options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(`alkhub ${command}: ${reason} (see 'alkhub ${command} --help')`);
  }
}
