import type { AuditLogItem } from "../store/index.ts";
import { EXIT_HELP, formatTable, type OpenTarget, TARGET_HELP, usageError } from "./admin-command.ts";
import { openAdminTarget } from "./admin-target.ts";
import type { Command } from "./command.ts";
import { HISTORY_HELP, historyCommand } from "./history-flags.ts";

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
} as const;

/** Builds `alkhub audit`; `openTarget` is injectable for tests. */
export function createAuditCommand(openTarget: OpenTarget = openAdminTarget): Command {
  return historyCommand(
    {
      name: "audit",
      summary: "list the admin audit log (filters, newest first)",
      help: HELP,
      options: OPTIONS,
      path: "/audit-logs",
      filters,
      table: formatAuditTable,
    },
    openTarget,
  );
}

function filters(values: Record<string, string | boolean | undefined>): Record<string, string | undefined> {
  const text = (flag: string) => {
    const value = values[flag] as string | undefined;
    if (value !== undefined && (value.trim() === "" || value.length > 200))
      usageError("audit", `--${flag} must be 1-200 characters`);
    return value;
  };
  return { actor: text("actor"), action: text("action"), target: text("target"), outcome: text("outcome") };
}

/** The `audit list` table, one row per audit entry. */
export function formatAuditTable(rows: AuditLogItem[]): string {
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
