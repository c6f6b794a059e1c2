import { EXIT_CODES } from "../errors.ts";
import {
  type AdminWork,
  EXIT_HELP,
  formatTable,
  type OpenTarget,
  printJson,
  runAdminCommand,
  TARGET_HELP,
  usageError,
} from "./admin-command.ts";
import { openAdminTarget } from "./admin-target.ts";
import type { Command } from "./command.ts";
import { HISTORY_HELP, HISTORY_OPTIONS, historyQuery } from "./history-flags.ts";

/** One finished call as the admin API shows it (TEAM.md contract). */
export interface CallView {
  id: string;
  requestId: string;
  operation: string;
  spoke: string | null;
  callerKeyId: string | null;
  outcome: string;
  errorCode: string | null;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  inputBytes: number | null;
  outputBytes: number | null;
  instanceId: string | null;
}

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
  ...HISTORY_OPTIONS,
} as const;

type Values = Record<string, string | boolean | undefined>;

/** Builds `alkhub calls`; `openTarget` is injectable for tests. */
export function createCallsCommand(openTarget: OpenTarget = openAdminTarget): Command {
  return {
    name: "calls",
    summary: "list finished calls from the call audit (filters, newest first)",
    help: HELP,
    run: (argv, io) =>
      runAdminCommand({ name: "calls", help: HELP, options: OPTIONS, openTarget }, argv, io, plan),
  };
}

function plan(sub: string | undefined, args: string[], values: Values): AdminWork {
  if (sub !== "list") usage(sub === undefined ? "missing subcommand (list)" : `unknown subcommand '${sub}'`);
  if (args.length > 0) usage(`unexpected argument '${args[0]}'`);
  const text = (flag: string) => values[flag] as string | undefined;
  const outcome = text("outcome");
  if (outcome !== undefined && !OUTCOMES.includes(outcome)) {
    usage(`--outcome '${outcome}' is not one of ${OUTCOMES.join(", ")}`);
  }
  const key = text("key");
  if (key !== undefined && !/^[A-Za-z0-9]{12}$/.test(key))
    usage(`--key '${key}' is not a key id (12 letters and digits)`);
  const { query, limit } = historyQuery("calls", values);
  const filters = { ...query, operation: text("operation"), spoke: text("spoke"), key, outcome };
  return {
    write: false,
    async run(client, io, json) {
      const calls = await client.list<CallView>("/calls", filters, limit);
      if (json) printJson(io, calls);
      else io.out(formatCallTable(calls));
      return EXIT_CODES.OK;
    },
  };
}

/** The `calls list` table, one row per call. */
export function formatCallTable(calls: CallView[]): string {
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

function usage(message: string): never {
  return usageError("calls", message);
}
