import { EXIT_CODES } from "../errors.ts";
import {
  checkAccount,
  checkName,
  checkValue,
  DEFAULT_ROTATE_BATCH_SIZE,
  MAX_ROTATE_BATCH_SIZE,
} from "../secrets/index.ts";
import {
  type AdminWork,
  adminCommand,
  EXIT_HELP,
  formatTable,
  listWork,
  minute,
  type OpenTarget,
  printJson,
  TARGET_HELP,
  usageError,
} from "./admin-command.ts";
import { openAdminTarget } from "./admin-target.ts";
import type { Command } from "./command.ts";
import { DEFAULT_KEY_ACCOUNT } from "./keys.ts";

/** A secret as the admin API shows it: never its value. */
export interface SecretView {
  account: string;
  client: string;
  name: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  lastUsedAt: string | null;
}

const HELP = `Usage:
  alkhub secrets set --client <client> --name <name> [--account <account>]   (value on stdin)
  alkhub secrets list [--client <client>] [--account <account>]
  alkhub secrets delete --client <client> --name <name> [--account <account>]
  alkhub secrets rotate [--batch-size <n>]

Manages client secrets: credentials for other services. A secret is read only by a part of the hub that the
config tells to use it by client and name; storing one makes nothing use it. Each is sealed with the current
data key of the config's "encryptionKeys" (AES-256-GCM, bound to its client and name) and is never shown again.

  set      reads the value from STDIN, never from the command line (arguments show in 'ps'): pipe it in, e.g.
           'alkhub secrets set --client github --name token < token.txt'. One trailing newline is removed; an
           empty value is refused. Creates the account and client when missing; replaces an existing value.
  list     prints account, client, name, data key version, created, updated, last used. Never a value.
  delete   deletes one secret.
  rotate   re-seals every secret on an older data key with the current one (the first of "encryptionKeys" of
           the hub that answers), one row at a time, batch by batch; safe to interrupt and run again. Secrets on
           a version missing from "encryptionKeys" (or whose value does not open) are listed and left as they
           are (exit 1). Remove an old data key only once rotate exits 0.

Works while the hub runs (through its admin API) and when none runs (on the store directly).

Options:
  --client <client>          the client name: 1-128 letters, digits, '.', '_', '-' (set, delete; a filter for list)
  --name <name>              the secret name, same characters (set, delete)
  --account <account>        the account (default for set and delete: ${DEFAULT_KEY_ACCOUNT}; a filter for list)
  --batch-size <n>           rows read per batch by rotate, 1-${MAX_ROTATE_BATCH_SIZE} (default ${DEFAULT_ROTATE_BATCH_SIZE})

${TARGET_HELP}

${EXIT_HELP}
  rotate exits 1 while some secret stays on an old data key; set and rotate exit 69 when the hub (or, with
  no hub running, the config) has no "encryptionKeys".
`;

const OPTIONS = {
  client: { type: "string" },
  name: { type: "string" },
  account: { type: "string" },
  "batch-size": { type: "string" },
} as const;

/** A secret left on an old data key by `rotate`. */
interface Leftover {
  account: string;
  client: string;
  name: string;
  keyVersion: number;
}

/** The answer of `POST /secrets/rotate`. */
interface RotateResult {
  rotated: number;
  skipped: number;
  alreadyCurrent: number;
  missingKey: Leftover[];
  unreadable: Leftover[];
}

type Values = Record<string, string | boolean | undefined>;

/** Reads all of standard input as UTF-8 text. */
export type ReadStdin = () => Promise<string>;

/** Standard input of this process; says on stderr what it waits for when stdin is a terminal. */
export const readProcessStdin: ReadStdin = async () => {
  if (process.stdin.isTTY) {
    process.stderr.write(
      "Type the secret value, then Enter and Ctrl-D (it is echoed; piping it in is safer):\n",
    );
  }
  return Bun.stdin.text();
};

/**
 * Builds `alkhub secrets`. `openTarget` (default: the running hub, else the store) and `options.readStdin`
 * (default: the process's stdin, for `set`) are injectable for tests.
 */
export function createSecretsCommand(
  openTarget: OpenTarget = openAdminTarget,
  options: { readStdin?: ReadStdin } = {},
): Command {
  const readStdin = options.readStdin ?? readProcessStdin;
  return adminCommand(
    {
      name: "secrets",
      summary: "set, list, delete and rotate sealed client secrets",
      help: HELP,
      options: OPTIONS,
      plan: (sub, args, values) => plan(sub, args, values, readStdin),
    },
    openTarget,
  );
}

/** Checks the flags and reads stdin (for `set`), all before any target is opened. */
async function plan(
  sub: string | undefined,
  args: string[],
  values: Values,
  readStdin: ReadStdin,
): Promise<AdminWork> {
  // Never echo a stray argument: it may be the secret, typed where it does not belong.
  if (args.length > 0) usage("unexpected argument (a secret value goes on stdin, never on the command line)");
  const allowed: Record<string, readonly string[]> = {
    set: ["client", "name", "account"],
    delete: ["client", "name", "account"],
    list: ["client", "account"],
    rotate: ["batch-size"],
  };
  if (sub === undefined || !(sub in allowed)) {
    usage(
      sub === undefined
        ? "missing subcommand (set, list, delete or rotate)"
        : "unknown subcommand (expected set, list, delete or rotate)",
    );
  }
  for (const flag of Object.keys(OPTIONS)) {
    if (values[flag] !== undefined && !allowed[sub]?.includes(flag))
      usage(`--${flag} is not valid with '${sub}'`);
  }
  const text = (flag: string) => values[flag] as string | undefined;
  if (sub === "list") {
    const query = {
      account: text("account") === undefined ? undefined : checkAccount(text("account") as string),
      client: text("client") === undefined ? undefined : checkName("client", text("client") as string),
    };
    return listWork("/secrets", query, formatSecretTable);
  }
  if (sub === "rotate") {
    const batchSize = parseBatchSize(text("batch-size"));
    return {
      write: true,
      async run(client, io, json) {
        const result = await client.call<RotateResult>({
          method: "POST",
          path: "/secrets/rotate",
          body: batchSize === undefined ? {} : { batchSize },
        });
        if (json) printJson(io, result);
        else io.out(formatRotation(result));
        if (result.missingKey.length === 0 && result.unreadable.length === 0) return EXIT_CODES.OK;
        io.err(
          "alkhub secrets rotate: some secrets remain on an old data key; add their key version back to " +
            '"encryptionKeys" and rerun, or set those secrets again',
        );
        return EXIT_CODES.FAILURE;
      },
    };
  }
  const account = checkAccount(text("account") ?? DEFAULT_KEY_ACCOUNT);
  const clientName = checkName("client", required(text("client"), "--client"));
  const name = checkName("name", required(text("name"), "--name"));
  const path = `/secrets/${[account, clientName, name].map(encodeURIComponent).join("/")}`;
  const label = `${clientName}/${name} of account ${account}`;
  if (sub === "delete") {
    return {
      write: true,
      async run(client, io, json) {
        const deleted = await client.call<unknown>({ method: "DELETE", path });
        if (json) printJson(io, deleted ?? { account, client: clientName, name });
        else io.out(`deleted secret ${label}`);
        return EXIT_CODES.OK;
      },
    };
  }
  const value = checkValue(stripOneNewline(await readStdin()));
  return {
    write: true,
    async run(client, io, json) {
      const stored = await client.call<SecretView>({ method: "PUT", path, body: { value } });
      if (json) printJson(io, stored);
      else io.out(`stored secret ${label} (data key v${stored.version})`);
      return EXIT_CODES.OK;
    },
  };
}

/** The `secrets list` table, one row per secret; never a value. */
export function formatSecretTable(rows: SecretView[]): string {
  return formatTable(
    ["ACCOUNT", "CLIENT", "NAME", "KEY", "CREATED", "UPDATED", "LAST USED"],
    rows.map((r) => [
      r.account,
      r.client,
      r.name,
      `v${r.version}`,
      minute(r.createdAt),
      minute(r.updatedAt),
      minute(r.lastUsedAt),
    ]),
  );
}

/** What rotate did, and the secrets it had to leave. */
function formatRotation(result: RotateResult): string {
  const lines = [`rotated: ${result.rotated}`, `already current: ${result.alreadyCurrent}`];
  if (result.skipped > 0) lines.push(`changed meanwhile by someone else: ${result.skipped}`);
  lines.push(`missing key: ${result.missingKey.length}`);
  if (result.missingKey.length > 0) lines.push(formatLeftovers(result.missingKey));
  if (result.unreadable.length > 0) {
    lines.push(
      `do not open (altered or moved): ${result.unreadable.length}`,
      formatLeftovers(result.unreadable),
    );
  }
  return lines.join("\n");
}

function formatLeftovers(rows: Leftover[]): string {
  return formatTable(
    ["ACCOUNT", "CLIENT", "NAME", "KEY"],
    rows.map((r) => [r.account, r.client, r.name, `v${r.keyVersion}`]),
  )
    .split("\n")
    .map((line) => `  ${line}`)
    .join("\n");
}

function parseBatchSize(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_ROTATE_BATCH_SIZE) {
    usage(`--batch-size '${text}' must be an integer from 1 to ${MAX_ROTATE_BATCH_SIZE}`);
  }
  return n;
}

/** Removes one trailing `\n` (or `\r\n`): what `echo` and editors add, not part of the secret. */
function stripOneNewline(text: string): string {
  if (text.endsWith("\r\n")) return text.slice(0, -2);
  return text.endsWith("\n") ? text.slice(0, -1) : text;
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === "") usage(`${flag} is required`);
  return value as string;
}

function usage(message: string): never {
  return usageError("secrets", message);
}
