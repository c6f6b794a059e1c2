import { isScope } from "../auth/index.ts";
import { EXIT_CODES, type ExitCode } from "../errors.ts";
import {
  type AdminWork,
  adminCommand,
  EXIT_HELP,
  formatTable,
  listWork,
  minute,
  type OpenTarget,
  oneOf,
  printJson,
  TARGET_HELP,
  usageError,
} from "./admin-command.ts";
import { openAdminTarget } from "./admin-target.ts";
import type { Command } from "./command.ts";
import { parseExpiry } from "./times.ts";

export { parseExpiry } from "./times.ts";

/** Account a key goes to when `--account` is not given (the one `alkhub init` creates). */
export const DEFAULT_KEY_ACCOUNT = "admin";

/** A key as the admin API shows it (TEAM.md contract, `KeyView`). */
export interface KeyView {
  id: string;
  account: string;
  name: string;
  scopes: string[];
  spokeNames: string[];
  operations: string[];
  status: "active" | "disabled" | "expired" | "revoked";
  enabled: boolean;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const HELP = `Usage:
  alkhub keys create --name <name> --scopes <s1,s2> [--account <name>] [--spoke-names <g1,g2>]
                     [--operations <g1,g2>] [--expires <30d|ISO date>]
  alkhub keys list [--account <name>] [--status active|disabled|expired|revoked]
  alkhub keys show <id>
  alkhub keys disable <id>      alkhub keys enable <id>
  alkhub keys revoke <id>

Manages API keys. A key looks like alk_<id>_<secret>; the hub stores only its id and a SHA-256 hash.

  create   mints a key and prints it ONCE on stdout (details and a reminder go to stderr): it cannot be shown
           again, so store it right away. With --json the whole answer, key included, is on stdout.
  list     every key: id, account, name, scopes, globs, created, expires, last used, status. Never the key.
  show     one key, in full.
  disable  stops a key from working until 'enable'; its live connections and sessions are cut at once.
  revoke   ends a key for good; running hubs close its connections (4401) and refuse it at once.

Works while the hub runs (through its admin API) and when none runs (on the store directly).

Options of create:
  --name <name>           a label for the key (required)
  --scopes <list>         comma-separated: admin, spoke, call, read (required; admin implies all)
  --account <name>        the account that owns the key; created when missing (default: ${DEFAULT_KEY_ACCOUNT})
  --spoke-names <globs>   spoke names the key may register as (spoke scope); * and ? are wildcards
  --operations <globs>    operations the key may call (call scope); default *
  --expires <when>        a duration from now (90m, 12h, 30d, 2w) or an ISO date (2027-01-31, 2027-01-31T12:00Z)

Options of list:
  --account <name>        only this account's keys
  --status <status>       only keys in this status

${TARGET_HELP}

${EXIT_HELP}
`;

const OPTIONS = {
  name: { type: "string" },
  scopes: { type: "string" },
  account: { type: "string" },
  "spoke-names": { type: "string" },
  operations: { type: "string" },
  expires: { type: "string" },
  status: { type: "string" },
} as const;
const ALLOWED: Record<string, readonly string[]> = {
  create: ["name", "scopes", "account", "spoke-names", "operations", "expires"],
  list: ["account", "status"],
  show: [],
  disable: [],
  enable: [],
  revoke: [],
};
const STATUSES = ["active", "disabled", "expired", "revoked"];

type Values = Record<string, string | boolean | undefined>;

/** Builds `alkhub keys`; `openTarget` (default: the running hub, else the store) is injectable for tests. */
export function createKeysCommand(openTarget: OpenTarget = openAdminTarget): Command {
  return adminCommand(
    {
      name: "keys",
      summary: "create, list, show, disable, enable and revoke API keys",
      help: HELP,
      options: OPTIONS,
      plan,
    },
    openTarget,
  );
}

/** Checks the arguments of one subcommand and returns its work. */
function plan(sub: string | undefined, args: string[], values: Values): AdminWork {
  if (sub === undefined) usage("missing subcommand (create, list, show, disable, enable or revoke)");
  const allowed = ALLOWED[sub];
  if (!allowed) usage(`unknown subcommand '${sub}'`);
  for (const flag of Object.keys(OPTIONS)) {
    if (values[flag] !== undefined && !allowed.includes(flag))
      usage(`--${flag} is not valid with 'keys ${sub}'`);
  }
  if (sub === "create") return planCreate(args, values);
  if (sub === "list") {
    if (args.length > 0) usage(`unexpected argument '${args[0]}'`);
    const status = oneOf("keys", "status", values.status as string | undefined, STATUSES);
    return listWork("/keys", { account: values.account as string | undefined, status }, formatKeyTable);
  }
  const id = keyIdArgument(sub, args);
  const path = `/keys/${id}`;
  const change: Record<string, { method: "GET" | "PATCH" | "DELETE"; body?: object; done: string }> = {
    show: { method: "GET", done: "" },
    disable: { method: "PATCH", body: { enabled: false }, done: "disabled" },
    enable: { method: "PATCH", body: { enabled: true }, done: "enabled" },
    revoke: { method: "DELETE", done: "revoked" },
  };
  const step = change[sub] as (typeof change)[string];
  return {
    write: step.method !== "GET",
    async run(client, io, json): Promise<ExitCode> {
      const key = await client.call<KeyView>({ method: step.method, path, body: step.body });
      if (json) printJson(io, key);
      else if (step.done === "") io.out(formatKeyDetails(key));
      else io.out(`${step.done} key ${key.id} (${key.name}, account ${key.account}): now ${key.status}`);
      return EXIT_CODES.OK;
    },
  };
}

function planCreate(args: string[], values: Values): AdminWork {
  if (args.length > 0) usage(`unexpected argument '${args[0]}'`);
  const text = (flag: string) => values[flag] as string | undefined;
  const body = {
    account: nonEmpty(text("account") ?? DEFAULT_KEY_ACCOUNT, "--account"),
    name: nonEmpty(text("name"), "--name"),
    scopes: parseScopes(text("scopes")),
    spokeNames:
      text("spoke-names") === undefined
        ? undefined
        : parseGlobs(text("spoke-names") as string, "--spoke-names"),
    operations:
      text("operations") === undefined ? undefined : parseGlobs(text("operations") as string, "--operations"),
    expiresAt:
      text("expires") === undefined
        ? undefined
        : parseExpiry(text("expires") as string, new Date()).toISOString(),
  };
  return {
    write: true,
    async run(client, io, json) {
      const created = await client.call<KeyView & { key: string }>({ method: "POST", path: "/keys", body });
      if (json) {
        printJson(io, created);
        return EXIT_CODES.OK;
      }
      io.out(created.key);
      io.err(
        `created key ${created.id} (${created.name}) for account ${created.account} with scopes ${created.scopes.join(",")}` +
          `${created.expiresAt ? `, expires ${created.expiresAt}` : ""}.\n` +
          "The key above is shown only this once and cannot be shown again: store it now.",
      );
      return EXIT_CODES.OK;
    },
  };
}

/** The `keys list` table, one row per key. */
export function formatKeyTable(keys: KeyView[]): string {
  return formatTable(
    ["ID", "ACCOUNT", "NAME", "SCOPES", "GLOBS", "CREATED", "EXPIRES", "LAST USED", "STATUS"],
    keys.map((k) => [
      k.id,
      k.account,
      k.name,
      k.scopes.join(","),
      `spokes=${k.spokeNames.join(",") || "-"} ops=${k.operations.join(",") || "-"}`,
      minute(k.createdAt),
      k.expiresAt ? minute(k.expiresAt) : "never",
      minute(k.lastUsedAt),
      k.status,
    ]),
  );
}

function formatKeyDetails(key: KeyView): string {
  const rows: Array<[string, string]> = [
    ["id", key.id],
    ["account", key.account],
    ["name", key.name],
    ["scopes", key.scopes.join(",")],
    ["spoke names", key.spokeNames.join(",") || "-"],
    ["operations", key.operations.join(",") || "-"],
    ["status", key.status],
    ["enabled", String(key.enabled)],
    ["created", key.createdAt],
    ["expires", key.expiresAt ?? "never"],
    ["last used", key.lastUsedAt ?? "-"],
    ["revoked", key.revokedAt ?? "-"],
  ];
  return rows.map(([name, value]) => `${name.padEnd(12)} ${value}`).join("\n");
}

function keyIdArgument(sub: string, args: string[]): string {
  if (args.length !== 1) usage(`${sub} takes exactly one key id`);
  const id = args[0] as string;
  if (!/^[A-Za-z0-9]{12}$/.test(id)) usage(`'${id}' is not a key id (12 letters and digits)`);
  return id;
}

function parseScopes(text: string | undefined): string[] {
  const items = splitList(nonEmpty(text, "--scopes"));
  if (items.length === 0) usage("--scopes needs at least one of admin, spoke, call, read");
  for (const item of items) {
    if (!isScope(item)) usage(`unknown scope '${item}' in --scopes (valid: admin, spoke, call, read)`);
  }
  return items;
}

function parseGlobs(text: string, flag: string): string[] {
  const items = splitList(text);
  if (items.length === 0) usage(`${flag} needs at least one glob`);
  for (const item of items) {
    if (!/^[\w.*?-]+$/.test(item))
      usage(`${flag}: '${item}' has characters a spoke or operation name cannot have`);
  }
  return items;
}

function splitList(text: string): string[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

function nonEmpty(value: string | undefined, flag: string): string {
  if (value === undefined || value.trim() === "") usage(`${flag} is required and must not be empty`);
  return (value as string).trim();
}

function usage(message: string): never {
  return usageError("keys", message);
}
