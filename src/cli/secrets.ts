import type { KeyRing } from "../crypto/index.ts";
import { EXIT_CODES, type ExitCode, LocalError, UsageError } from "../errors.ts";
import {
  type ClientSecretInfo,
  checkAccount,
  checkName,
  checkValue,
  DEFAULT_ROTATE_BATCH_SIZE,
  deleteClientSecret,
  listClientSecrets,
  MAX_ROTATE_BATCH_SIZE,
  type RotationLeftover,
  rotateClientSecrets,
  SecretInputError,
  setClientSecret,
} from "../secrets/index.ts";
import type { Store } from "../store/index.ts";
import { parseCommandArgs } from "./args.ts";
import type { Command, CommandIo } from "./command.ts";
import { DEFAULT_KEY_ACCOUNT } from "./keys.ts";
import type { OpenStoreForFlags } from "./migrate.ts";

const HELP = `Usage:
  alkhub secrets set --client <client> --name <name> [--account <account>]   (value on stdin)
  alkhub secrets list [--client <client>] [--account <account>]
  alkhub secrets delete --client <client> --name <name> [--account <account>]
  alkhub secrets rotate [--batch-size <n>]
  (each also takes --config <file> and --master-key-file <file>)

Manages client secrets: credentials for other services. A secret is read only by a part of the hub that the
config tells to use it by client and name; storing one makes nothing use it. Each is sealed with the current
data key of the config's "encryptionKeys" (AES-256-GCM, bound to its client and name) and is never shown again.

  set      reads the value from STDIN, never from the command line (arguments show in 'ps'): pipe it in, e.g.
           'alkhub secrets set --client github --name token < token.txt'. One trailing newline is removed; an
           empty value is refused. Creates the account and client when missing; replaces an existing value.
  list     prints account, client, name, data key version, created, updated. Never a value.
  delete   deletes one secret.
  rotate   re-seals every secret on an older data key with the current one (the first of "encryptionKeys"),
           one row at a time, batch by batch; safe to interrupt and run again. Secrets on a version missing
           from "encryptionKeys" are listed and left as they are. Remove an old key only once rotate exits 0.

With the embedded store these commands need the hub to be stopped: the data dir is locked by the running hub.
Against Postgres they work while the hub runs.

Options:
  --client <client>          the client name: 1-128 letters, digits, '.', '_', '-' (set, delete; a filter for list)
  --name <name>              the secret name, same characters (set, delete)
  --account <account>        the account (default for set and delete: ${DEFAULT_KEY_ACCOUNT}; a filter for list)
  --batch-size <n>           rows read per batch by rotate, 1-${MAX_ROTATE_BATCH_SIZE} (default ${DEFAULT_ROTATE_BATCH_SIZE})
  --config <file>            the config file (default: as 'alkhub serve' finds it)
  --master-key-file <file>   the master key (default: as 'alkhub serve' finds it)
  -h, --help                 show this help

Exit codes:
  0   done (rotate: every secret is on the current data key)
  1   any other failure: delete of a secret that does not exist; rotate left secrets on a data key missing
      from "encryptionKeys" (or whose value does not open)
  64  bad usage (missing --client or --name, a bad name, an empty value, an unknown option, …)
  69  the database is unreachable, or the embedded data dir is in use
  78  configuration error (e.g. no "encryptionKeys" in the config, needed by set and rotate)
`;

const OPTIONS = {
  client: { type: "string" },
  name: { type: "string" },
  account: { type: "string" },
  "batch-size": { type: "string" },
  config: { type: "string" },
  "master-key-file": { type: "string" },
} as const;

type SecretFlags = ReturnType<typeof parseCommandArgs<typeof OPTIONS>>["values"];
type Flags = { config?: string; masterKeyFile?: string };

/** Builds the data-key ring from the same flags as `openStore`; throws `ConfigError` naming /encryptionKeys. */
export type LoadKeyRing = (flags: Flags) => Promise<KeyRing>;

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
 * Builds `alkhub secrets`. `openStore` and `loadKeyRing` turn `--config`/`--master-key-file` into a store and
 * the data-key ring; `options.readStdin` (default: the process's stdin) supplies the value for `set`.
 */
export function createSecretsCommand(
  openStore: OpenStoreForFlags,
  loadKeyRing: LoadKeyRing,
  options: { readStdin?: ReadStdin } = {},
): Command {
  const readStdin = options.readStdin ?? readProcessStdin;
  return {
    name: "secrets",
    summary: "set, list, delete and rotate sealed client secrets",
    help: HELP,
    async run(argv: string[], io: CommandIo): Promise<ExitCode> {
      try {
        const { values, positionals } = parseCommandArgs("secrets", argv, OPTIONS);
        if (values.help) {
          io.out(HELP);
          return EXIT_CODES.OK;
        }
        const [sub, ...args] = positionals;
        // Never echo a stray argument: it may be the secret, typed where it does not belong.
        if (args.length > 0)
          usage("unexpected argument (a secret value goes on stdin, never on the command line)");
        const flags = { config: values.config, masterKeyFile: values["master-key-file"] };
        const work = await plan(sub, values, { flags, loadKeyRing, readStdin });
        const store = await openStore(flags);
        try {
          return await work(store, io);
        } finally {
          await store.close();
        }
      } catch (error) {
        if (!(error instanceof LocalError)) throw error;
        io.err(error instanceof SecretInputError ? usageMessage(error.message) : error.message);
        return error.exitCode;
      }
    },
  };
}

type Work = (store: Store, io: CommandIo) => Promise<ExitCode>;

/** Checks the flags, loads the key ring and reads stdin when needed, all before the store is opened. */
async function plan(
  sub: string | undefined,
  values: SecretFlags,
  deps: { flags: Flags; loadKeyRing: LoadKeyRing; readStdin: ReadStdin },
): Promise<Work> {
  const allowed: Record<string, readonly (keyof SecretFlags)[]> = {
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
  for (const flag of ["client", "name", "account", "batch-size"] as const) {
    if (values[flag] !== undefined && !allowed[sub]?.includes(flag))
      usage(`--${flag} is not valid with '${sub}'`);
  }
  if (sub === "list") {
    const filter = {
      account: values.account === undefined ? undefined : checkAccount(values.account),
      client: values.client === undefined ? undefined : checkName("client", values.client),
    };
    return async (store, io) => {
      io.out(formatSecretTable(await listClientSecrets(store, filter)));
      return EXIT_CODES.OK;
    };
  }
  if (sub === "rotate") {
    const batchSize = parseBatchSize(values["batch-size"]);
    const ring = await deps.loadKeyRing(deps.flags);
    return async (store, io) => {
      const result = await rotateClientSecrets(store, ring, { batchSize });
      io.out(`rotated: ${result.rotated} (to data key v${ring.currentVersion})`);
      io.out(`already current: ${result.alreadyCurrent}`);
      if (result.skipped > 0) io.out(`changed meanwhile by someone else: ${result.skipped}`);
      io.out(`missing key: ${result.missingKey.length}`);
      if (result.missingKey.length > 0) io.out(formatLeftovers(result.missingKey));
      if (result.unreadable.length > 0) {
        io.out(`do not open (altered or moved): ${result.unreadable.length}`);
        io.out(formatLeftovers(result.unreadable));
      }
      if (result.missingKey.length === 0 && result.unreadable.length === 0) return EXIT_CODES.OK;
      io.err(
        "alkhub secrets rotate: some secrets remain on an old data key; add their key version back to " +
          '"encryptionKeys" and rerun, or set those secrets again',
      );
      return EXIT_CODES.FAILURE;
    };
  }
  const address = {
    account: checkAccount(values.account ?? DEFAULT_KEY_ACCOUNT),
    client: checkName("client", required(values.client, "--client")),
    name: checkName("name", required(values.name, "--name")),
  };
  if (sub === "delete") {
    return async (store, io) => {
      if (await deleteClientSecret(store, address)) {
        io.out(`deleted secret ${address.client}/${address.name} of account ${address.account}`);
        return EXIT_CODES.OK;
      }
      io.err(`alkhub secrets: no secret ${address.client}/${address.name} in account ${address.account}`);
      return EXIT_CODES.FAILURE;
    };
  }
  const ring = await deps.loadKeyRing(deps.flags);
  const value = checkValue(stripOneNewline(await deps.readStdin()));
  return async (store, io) => {
    const set = await setClientSecret(store, ring, { ...address, value });
    io.out(
      `${set.created ? "created" : "replaced"} secret ${set.client}/${set.name} of account ${set.account} ` +
        `(data key v${set.keyVersion})`,
    );
    return EXIT_CODES.OK;
  };
}

/** The `secrets list` table, one row per secret; never a value. */
export function formatSecretTable(rows: ClientSecretInfo[]): string {
  return table(
    ["ACCOUNT", "CLIENT", "NAME", "KEY", "CREATED", "UPDATED"],
    rows.map((r) => [
      r.account,
      r.client,
      r.name,
      `v${r.keyVersion}`,
      minute(r.createdAt),
      minute(r.updatedAt),
    ]),
  );
}

function formatLeftovers(rows: RotationLeftover[]): string {
  return table(
    ["ACCOUNT", "CLIENT", "NAME", "KEY"],
    rows.map((r) => [r.account, r.client, r.name, `v${r.keyVersion}`]),
  )
    .split("\n")
    .map((line) => `  ${line}`)
    .join("\n");
}

function table(header: string[], rows: string[][]): string {
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

function minute(at: Date): string {
  return at.toISOString().slice(0, 16).replace("T", " ");
}

/** Removes one trailing `\n` (or `\r\n`): what `echo` and editors add, not part of the secret. */
function stripOneNewline(text: string): string {
  if (text.endsWith("\r\n")) return text.slice(0, -2);
  return text.endsWith("\n") ? text.slice(0, -1) : text;
}

function parseBatchSize(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_ROTATE_BATCH_SIZE) {
    usage(`--batch-size '${text}' must be an integer from 1 to ${MAX_ROTATE_BATCH_SIZE}`);
  }
  return n;
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === "") usage(`${flag} is required`);
  return value as string;
}

function usageMessage(message: string): string {
  return `alkhub secrets: ${message} (see 'alkhub secrets --help')`;
}

function usage(message: string): never {
  throw new UsageError(usageMessage(message));
}
