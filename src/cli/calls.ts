import type { CallItem } from "../audit/index.ts";
import { EXIT_HELP, formatTable, type OpenTarget, oneOf, TARGET_HELP, usageError } from "./admin-command.ts";
import { openAdminTarget } from "./admin-target.ts";
import type { Command } from "./command.ts";
import { HISTORY_HELP, historyCommand } from "./history-flags.ts";

const OUTCOMES = ["ok", "error", "aborted", "timeout"];

const HELP = `Usage:
  alkhub calls list [--operation <name>] [--spoke <name>] [--key <key id>] [--outcome ok|error|aborted|timeout]
                    [--since <when>] [--until <when>] [--limit <n>]

Lists finished calls from the call audit, newest first: when, operation, spoke, caller key, outcome, error
code, duration, bytes in and out. Reads the store directly when no hub runs.

Options:
  --operation <name>   only calls of this operation (e.g. dev1.fs.readFile)
  --spoke <name>       only calls served by this spoke
  --key <key id>       only calls made with this key (its 12-character id)
  --outcome <outcome>  only calls that ended so
${HISTORY_HELP}

${TARGET_HELP}

${EXIT_HELP}
`;

const OPTIONS = {
  operation: { type: "string" },
  spoke: { type: "string" },
  key: { type: "string" },
  outcome: { type: "string" },
} as const;

/** Builds `alkhub calls`; `openTarget` is injectable for tests. */
export function createCallsCommand(openTarget: OpenTarget = openAdminTarget): Command {
  return historyCommand(
    {
      name: "calls",
      summary: "list finished calls from the call audit (filters, newest first)",
      help: HELP,
      options: OPTIONS,
      path: "/calls",
      filters,
      table: formatCallTable,
    },
    openTarget,
  );
}

function filters(values: Record<string, string | boolean | undefined>): Record<string, string | undefined> {
  const text = (flag: string) => values[flag] as string | undefined;
  const outcome = oneOf("calls", "outcome", text("outcome"), OUTCOMES);
  const key = text("key");
  if (key !== undefined && !/^[A-Za-z0-9]{12}$/.test(key))
    usageError("calls", `--key '${key}' is not a key id (12 letters and digits)`);
  return { operation: text("operation"), spoke: text("spoke"), key, outcome };
}

/** The `calls list` table, one row per call. */
export function formatCallTable(calls: CallItem[]): string {
  return formatTable(
    ["STARTED", "OPERATION", "SPOKE", "KEY", "OUTCOME", "ERROR", "MS", "IN", "OUT"],
    calls.map((c) => [
      c.startedAt.slice(0, 23).replace("T", " "),
      c.operation,
      c.spoke ?? "-",
      c.callerKeyId ?? "-",
      c.outcome,
      c.errorCode ?? "-",
      c.durationMs === null ? "-" : String(c.durationMs),
      c.inputBytes === null ? "-" : String(c.inputBytes),
      c.outputBytes === null ? "-" : String(c.outputBytes),
    ]),
  );
}
