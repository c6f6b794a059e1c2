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

/** One admin audit row as the admin API shows it (TEAM.md contract). */
export interface AuditLogView {
  id: string | number;
  at: string;
  actorKeyId: string | null;
  action: string;
  target: string | null;
  outcome: string;
  address: string | null;
  details: unknown;
}

const HELP = `Usage:
  alkhub audit list [--actor <key id>] [--action <action>] [--target <target>] [--outcome <outcome>]
                    [--since <when>] [--until <when>] [--limit <n>]

Lists the admin audit log, newest first: what operators changed (keys, secrets, spokes) and failed
authentications, with the acting key (or local-socket), target, outcome and address. Reads the store directly
when no hub runs.

Options:
  --actor <key id>     only rows of this acting key
  --action <action>    only this action (key.create, key.revoke, secret.set, auth.failure, …)
  --target <target>    only rows about this target (a key id, a spoke name, …)
  --outcome <outcome>  only rows with this outcome (ok, unknown, revoked, …)
${HISTORY_HELP}

${TARGET_HELP}

${EXIT_HELP}
`;

const OPTIONS = {
  actor: { type: "string" },
  action: { type: "string" },
  target: { type: "string" },
  outcome: { type: "string" },
  ...HISTORY_OPTIONS,
} as const;

type Values = Record<string, string | boolean | undefined>;

/** Builds `alkhub audit`; `openTarget` is injectable for tests. */
export function createAuditCommand(openTarget: OpenTarget = openAdminTarget): Command {
  return {
    name: "audit",
    summary: "list the admin audit log (filters, newest first)",
    help: HELP,
    run: (argv, io) =>
      runAdminCommand({ name: "audit", help: HELP, options: OPTIONS, openTarget }, argv, io, plan),
  };
}

function plan(sub: string | undefined, args: string[], values: Values): AdminWork {
  if (sub !== "list") usage(sub === undefined ? "missing subcommand (list)" : `unknown subcommand '${sub}'`);
  if (args.length > 0) usage(`unexpected argument '${args[0]}'`);
  const text = (flag: string) => {
    const value = values[flag] as string | undefined;
    if (value !== undefined && (value.trim() === "" || value.length > 200))
      usage(`--${flag} must be 1-200 characters`);
    return value;
  };
  const { query, limit } = historyQuery("audit", values);
  const filters = {
    ...query,
    actor: text("actor"),
    action: text("action"),
    target: text("target"),
    outcome: text("outcome"),
  };
  return {
    write: false,
    async run(client, io, json) {
      const rows = await client.list<AuditLogView>("/audit-logs", filters, limit);
      if (json) printJson(io, rows);
      else io.out(formatAuditTable(rows));
      return EXIT_CODES.OK;
    },
  };
}

/** The `audit list` table, one row per audit entry. */
export function formatAuditTable(rows: AuditLogView[]): string {
  return formatTable(
    ["AT", "ACTOR", "ACTION", "TARGET", "OUTCOME", "ADDRESS"],
    rows.map((r) => [
      r.at.slice(0, 19).replace("T", " "),
      r.actorKeyId ?? (r.address === "local-socket" ? "local-socket" : "-"),
      r.action,
      r.target ?? "-",
      r.outcome,
      r.address ?? "-",
    ]),
  );
}

function usage(message: string): never {
  return usageError("audit", message);
}
