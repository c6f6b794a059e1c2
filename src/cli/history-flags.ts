import { adminCommand, listWork, type OpenTarget, usageError } from "./admin-command.ts";
import type { Command } from "./command.ts";
import { parsePastTime } from "./times.ts";

/** Default number of rows `calls list` and `audit list` print. */
export const DEFAULT_HISTORY_LIMIT = 50;
/** Most rows one `--limit` may ask for. */
export const MAX_HISTORY_LIMIT = 10_000;

/** The time-window and size flags of the history lists (`calls`, `audit`). */
export const HISTORY_OPTIONS = {
  since: { type: "string" },
  until: { type: "string" },
  limit: { type: "string" },
} as const;

/** Their `--help` lines. */
export const HISTORY_HELP = `  --since <when>       only rows from then on: a time ago (30s, 15m, 12h, 7d) or an ISO date
  --until <when>       only rows before then, same forms
  --limit <n>          print at most n rows, 1-${MAX_HISTORY_LIMIT} (default ${DEFAULT_HISTORY_LIMIT})`;

/** `since`/`until` as ISO query values and the row limit, checked. */
export function historyQuery(
  command: string,
  values: Record<string, string | boolean | undefined>,
  now = new Date(),
): { query: { since?: string; until?: string }; limit: number } {
  const text = (flag: string) => values[flag] as string | undefined;
  const since =
    text("since") === undefined ? undefined : parsePastTime(text("since") as string, now, "--since");
  const until =
    text("until") === undefined ? undefined : parsePastTime(text("until") as string, now, "--until");
  if (since && until && since.getTime() >= until.getTime())
    usageError(command, "--since must lie before --until");
  const limitText = text("limit");
  const limit =
    limitText === undefined
      ? DEFAULT_HISTORY_LIMIT
      : /^\d+$/.test(limitText)
        ? Number(limitText)
        : Number.NaN;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_HISTORY_LIMIT) {
    usageError(command, `--limit '${limitText}' must be a whole number from 1 to ${MAX_HISTORY_LIMIT}`);
  }
  return { query: { since: since?.toISOString(), until: until?.toISOString() }, limit };
}

/** What one history list command (`calls list`, `audit list`) has of its own. */
export interface HistoryList<T> {
  name: string;
  summary: string;
  help: string;
  /** Its filter flags (`HISTORY_OPTIONS` are added). */
  options: Record<string, { type: "string" }>;
  /** The admin API list it reads, e.g. `/calls`. */
  path: string;
  /** Its filters as query values, checked (a bad one is a usage error). */
  filters(values: Record<string, string | boolean | undefined>): Record<string, string | undefined>;
  /** The table printed without `--json`. */
  table(rows: T[]): string;
}

/**
 * A command whose one subcommand, `list`, prints the newest rows of a history (`calls`, `audit`): its own
 * filters, `--since`/`--until`/`--limit`, and the target flags.
 */
export function historyCommand<T>(list: HistoryList<T>, openTarget: OpenTarget): Command {
  const { name, summary, help } = list;
  return adminCommand(
    {
      name,
      summary,
      help,
      options: { ...list.options, ...HISTORY_OPTIONS },
      plan(sub, args, values) {
        if (sub !== "list")
          usageError(name, sub === undefined ? "missing subcommand (list)" : `unknown subcommand '${sub}'`);
        if (args.length > 0) usageError(name, `unexpected argument '${args[0]}'`);
        const filters = list.filters(values);
        const { query, limit } = historyQuery(name, values);
        return listWork(list.path, { ...query, ...filters }, list.table, { limit });
      },
    },
    openTarget,
  );
}
