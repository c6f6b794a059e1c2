import {
  type ApiKeyRecord,
  apiKeyState,
  createApiKey,
  isScope,
  listApiKeys,
  revokeApiKey,
  type Scope,
} from "../auth/index.ts";
import { EXIT_CODES, type ExitCode, LocalError, UsageError } from "../errors.ts";
import type { Store } from "../store/index.ts";
import { parseCommandArgs } from "./args.ts";
import type { Command, CommandIo } from "./command.ts";
import type { OpenStoreForFlags } from "./migrate.ts";

/** Account a key goes to when `--account` is not given (the one `alkhub init` creates). */
export const DEFAULT_KEY_ACCOUNT = "admin";

const HELP = `Usage:
  alkhub keys create --name <name> --scopes <s1,s2> [--account <name>] [--spoke-names <g1,g2>]
                     [--operations <g1,g2>] [--expires <30d|ISO date>]
  alkhub keys list
  alkhub keys revoke <id>
  (each also takes --config <file> and --master-key-file <file>)

Manages API keys. A key looks like alk_<id>_<secret>; the hub stores only its id and a SHA-256 hash.

  create   mints a key and prints it ONCE on stdout (details and a reminder go to stderr): it cannot be shown
           again, so store it right away.
  list     prints every key: id, account, name, scopes, globs, created, expires, state. Never the key.
  revoke   revokes the key with that id at once. With Redis configured, running hubs are told
           and close its connections (4401) at once.

With the embedded store these commands need the hub to be stopped: the data dir is locked by the running hub.
Against Postgres they work while the hub runs.

Options of create:
  --name <name>           a label for the key (required)
  --scopes <list>         comma-separated: admin, spoke, call, read (required; admin implies all)
  --account <name>        the account that owns the key; created when missing (default: ${DEFAULT_KEY_ACCOUNT})
  --spoke-names <globs>   spoke names the key may register as (spoke scope); * and ? are wildcards
  --operations <globs>    operations the key may call (call scope); default *
  --expires <when>        a duration from now (90m, 12h, 30d, 2w) or an ISO date (2027-01-31, 2027-01-31T12:00Z)

Common options:
  --config <file>            the config file (default: as 'alkhub serve' finds it)
  --master-key-file <file>   the master key (default: as 'alkhub serve' finds it)
  -h, --help                 show this help

Exit codes:
  0   done
  64  bad usage (unknown scope, bad duration, missing --name, …)
  69  the database is unreachable, or the embedded data dir is in use
  78  configuration error
  1   any other failure (e.g. revoke of an unknown or already revoked key)
`;

const OPTIONS = {
  name: { type: "string" },
  scopes: { type: "string" },
  account: { type: "string" },
  "spoke-names": { type: "string" },
  operations: { type: "string" },
  expires: { type: "string" },
  config: { type: "string" },
  "master-key-file": { type: "string" },
} as const;
const CREATE_ONLY = ["name", "scopes", "account", "spoke-names", "operations", "expires"] as const;
const DURATION_UNITS_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

type KeyFlags = ReturnType<typeof parseCommandArgs<typeof OPTIONS>>["values"];

/**
 * Tells running hubs that a key was revoked (so they close its connections at once); given the same flags as
 * `openStore`.
 */
export type AnnounceRevocation = (
  flags: { config?: string; masterKeyFile?: string },
  keyId: string,
) => Promise<void>;

/**
 * Builds `alkhub keys`; `openStore` turns the flags into an open store, `announceRevocation` (optional)
 * broadcasts a revocation to running hubs.
 */
export function createKeysCommand(
  openStore: OpenStoreForFlags,
  announceRevocation?: AnnounceRevocation,
): Command {
  return {
    name: "keys",
    summary: "create, list and revoke API keys",
    help: HELP,
    async run(argv: string[], io: CommandIo): Promise<ExitCode> {
      try {
        const { values, positionals } = parseCommandArgs("keys", argv, OPTIONS);
        if (values.help) {
          io.out(HELP);
          return EXIT_CODES.OK;
        }
        const [sub, ...args] = positionals;
        const run = planSubcommand(sub, args, values);
        const flags = { config: values.config, masterKeyFile: values["master-key-file"] };
        const store = await openStore(flags);
        let code: ExitCode;
        try {
          code = await run(store, io);
        } finally {
          await store.close();
        }
        if (sub === "revoke" && code === EXIT_CODES.OK && announceRevocation) {
          await announceRevocation(flags, args[0] as string);
        }
        return code;
      } catch (error) {
        if (!(error instanceof LocalError)) throw error;
        io.err(error.message);
        return error.exitCode;
      }
    },
  };
}

/** Validates everything before the store is opened, then returns the work to do. */
function planSubcommand(
  sub: string | undefined,
  args: string[],
  values: KeyFlags,
): (store: Store, io: CommandIo) => Promise<ExitCode> {
  if (sub !== "create") {
    const stray = CREATE_ONLY.find((flag) => values[flag] !== undefined);
    if (stray && (sub === "list" || sub === "revoke")) usage(`--${stray} is only valid with 'keys create'`);
  }
  if (sub === "create") {
    if (args.length > 0) usage(`unexpected argument '${args[0]}'`);
    const input = {
      account: nonEmpty(values.account ?? DEFAULT_KEY_ACCOUNT, "--account"),
      name: nonEmpty(values.name, "--name"),
      scopes: parseScopes(values.scopes),
      spokeNames:
        values["spoke-names"] === undefined ? undefined : parseGlobs(values["spoke-names"], "--spoke-names"),
      operations: values.operations === undefined ? undefined : parseGlobs(values.operations, "--operations"),
      expiresAt: values.expires === undefined ? undefined : parseExpiry(values.expires, new Date()),
    };
    return async (store, io) => {
      const { key, record } = await createApiKey(store, input);
      io.out(key);
      io.err(
        `created key ${record.id} (${record.name}) for account ${record.accountName} with scopes ${record.scopes.join(",")}` +
          `${record.expiresAt ? `, expires ${record.expiresAt.toISOString()}` : ""}.\n` +
          "The key above is shown only this once and cannot be shown again: store it now.",
      );
      return EXIT_CODES.OK;
    };
  }
  if (sub === "list") {
    if (args.length > 0) usage(`unexpected argument '${args[0]}'`);
    return async (store, io) => {
      io.out(formatKeyTable(await listApiKeys(store), new Date()));
      return EXIT_CODES.OK;
    };
  }
  if (sub === "revoke") {
    if (args.length !== 1) usage("revoke takes exactly one key id");
    const id = args[0] as string;
    if (!/^[A-Za-z0-9]{12}$/.test(id)) usage(`'${id}' is not a key id (12 letters and digits)`);
    return async (store, io) => {
      if (await revokeApiKey(store, id)) {
        io.out(`revoked key ${id}`);
        return EXIT_CODES.OK;
      }
      io.err(`alkhub keys: no active key with id ${id} (unknown or already revoked)`);
      return EXIT_CODES.FAILURE;
    };
  }
  return usage(
    sub === undefined ? "missing subcommand (create, list or revoke)" : `unknown subcommand '${sub}'`,
  );
}

/** The `keys list` table, one row per key. */
export function formatKeyTable(records: ApiKeyRecord[], now: Date): string {
  const header = ["ID", "ACCOUNT", "NAME", "SCOPES", "GLOBS", "CREATED", "EXPIRES", "STATE"];
  const rows = records.map((r) => [
    r.id,
    r.accountName,
    r.name,
    r.scopes.join(","),
    `spokes=${r.spokeNames.join(",") || "-"} ops=${r.operations.join(",") || "-"}`,
    r.createdAt.toISOString().slice(0, 16).replace("T", " "),
    r.expiresAt ? r.expiresAt.toISOString().slice(0, 16).replace("T", " ") : "never",
    apiKeyState(r, now),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** `30d`, `12h`, `90m`, `2w` from `now`, or an ISO 8601 date; must lie in the future. */
export function parseExpiry(text: string, now: Date): Date {
  const duration = /^(\d+)([mhdw])$/.exec(text);
  let at: Date;
  if (duration) {
    const amount = Number(duration[1]);
    if (amount <= 0) usage(`--expires '${text}' must be a positive duration`);
    at = new Date(now.getTime() + amount * (DURATION_UNITS_MS[duration[2] as string] as number));
  } else if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) {
    at = new Date(text);
    if (Number.isNaN(at.getTime())) usage(`--expires '${text}' is not a valid date`);
  } else {
    return usage(`--expires '${text}' is neither a duration (90m, 12h, 30d, 2w) nor an ISO date`);
  }
  if (at.getTime() <= now.getTime()) usage(`--expires '${text}' lies in the past`);
  return at;
}

function parseScopes(text: string | undefined): Scope[] {
  const items = splitList(nonEmpty(text, "--scopes"));
  if (items.length === 0) usage("--scopes needs at least one of admin, spoke, call, read");
  for (const item of items) {
    if (!isScope(item)) usage(`unknown scope '${item}' in --scopes (valid: admin, spoke, call, read)`);
  }
  return items as Scope[];
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
  throw new UsageError(`alkhub keys: ${message} (see 'alkhub keys --help')`);
}
