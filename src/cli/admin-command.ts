/**
 * What every admin command (`keys`, `secrets`, `spokes`, `calls`, `audit`) shares: the target flags, `--json`,
 * opening the target (admin-target.ts), turning the API's refusals into messages and exit codes, and paging.
 */
import { EXIT_CODES, type ExitCode, LocalError, UsageError } from "../errors.ts";
import type { AdminRequest, AdminTarget, TargetFlags, TargetNeeds } from "./admin-target.ts";
import { parseCommandArgs } from "./args.ts";
import type { Command, CommandIo } from "./command.ts";

/** The options every admin command takes. */
export const TARGET_OPTIONS = {
  config: { type: "string" },
  "master-key-file": { type: "string" },
  url: { type: "string" },
  "key-file": { type: "string" },
  json: { type: "boolean" },
} as const;

/** The `--help` lines of `TARGET_OPTIONS` and how the target is chosen. */
export const TARGET_HELP = `Where the command goes (the first that applies):
  1. --url <base url> with --key-file <file>: that hub's admin API (HTTP, key with scope admin)
  2. the running hub's local admin socket (admin.socket of the config; only the hub's user may open it)
  3. --key-file <file> alone: the hub at the config's server address, when it answers
  4. no hub answers: the store of the config, opened directly (a new database is migrated before a write)

Common options:
  --json                     print JSON for scripts instead of a table (lists: an array of items)
  --url <base url>           the hub to ask, e.g. http://127.0.0.1:3000 (needs --key-file; no config is read)
  --key-file <file>          a file holding an API key with scope admin
  --config <file>            the config file (default: as 'alkhub serve' finds it)
  --master-key-file <file>   the master key (default: as 'alkhub serve' finds it)
  -h, --help                 show this help`;

/** The exit codes every admin command shares (its own help may add to them). */
export const EXIT_HELP = `Exit codes:
  0   done
  1   any other failure (no such key, spoke or secret; the key of --key-file is refused; …)
  64  bad usage (unknown option, a bad value, or a request the hub refused as invalid)
  69  unavailable: the hub of --url does not answer, the database is unreachable or not migrated, or a hub
      holds the embedded data dir and cannot be reached (the message says how to reach it)
  78  configuration error (config file, master key)`;

/** One subcommand's work, planned (and its arguments checked) before any target is opened. */
export interface AdminWork {
  /** Whether it changes something (a fresh direct store is migrated first). */
  write: boolean;
  /** Whether it reads the spoke catalog (loaded from a directly opened store). */
  catalog?: boolean;
  run(client: AdminClient, io: CommandIo, json: boolean): Promise<ExitCode>;
}

/** The parsed flags of an admin command (its own options plus `TARGET_OPTIONS`). */
type Values = Record<string, string | boolean | undefined>;

/** Opens the target for the flags; injectable for tests. */
export type OpenTarget = (flags: TargetFlags, needs: TargetNeeds) => Promise<AdminTarget>;

/**
 * Runs one admin command line: parse, `--help`, plan, open the target, run, close. `LocalError`s become their
 * message on stderr and their exit code.
 */
export async function runAdminCommand<O extends Record<string, { type: "string" | "boolean" }>>(
  spec: { name: string; help: string; options: O; openTarget: OpenTarget },
  argv: string[],
  io: CommandIo,
  plan: (sub: string | undefined, args: string[], values: Values) => AdminWork | Promise<AdminWork>,
): Promise<ExitCode> {
  try {
    const parsed = parseCommandArgs(spec.name, argv, { ...spec.options, ...TARGET_OPTIONS });
    const values = parsed.values as Values;
    const positionals = parsed.positionals;
    if (values.help) {
      io.out(spec.help);
      return EXIT_CODES.OK;
    }
    const [sub, ...args] = positionals;
    const work = await plan(sub, args, values);
    const flags = {
      config: values.config as string | undefined,
      masterKeyFile: values["master-key-file"] as string | undefined,
      url: values.url as string | undefined,
      keyFile: values["key-file"] as string | undefined,
    };
    if (flags.url !== undefined && flags.keyFile === undefined) {
      usageError(spec.name, "--url needs --key-file <file> (an API key with scope admin)");
    }
    const target = await spec.openTarget(flags, { write: work.write, catalog: work.catalog });
    try {
      for (const notice of target.notices ?? []) io.err(`alkhub ${spec.name}: ${notice}`);
      return await work.run(new AdminClient(spec.name, target), io, values.json === true);
    } finally {
      await target.close();
    }
  } catch (error) {
    if (!(error instanceof LocalError)) throw error;
    const message = error.message.startsWith("alkhub ")
      ? error.message
      : `alkhub ${spec.name}: ${error.message}`;
    io.err(message);
    return error.exitCode;
  }
}

/** What `adminCommand` needs to build one admin command. */
export interface AdminCommandSpec<O extends Record<string, { type: "string" | "boolean" }>> {
  name: string;
  summary: string;
  help: string;
  /** The command's own options (`TARGET_OPTIONS` are added). */
  options: O;
  plan: (sub: string | undefined, args: string[], values: Values) => AdminWork | Promise<AdminWork>;
}

/** One admin command (`alkhub <name> <sub> …`) run by `runAdminCommand` against `openTarget`. */
export function adminCommand<O extends Record<string, { type: "string" | "boolean" }>>(
  spec: AdminCommandSpec<O>,
  openTarget: OpenTarget,
): Command {
  const { name, summary, help, options, plan } = spec;
  return {
    name,
    summary,
    help,
    run: (argv, io) => runAdminCommand({ name, help, options, openTarget }, argv, io, plan),
  };
}

/**
 * The work of a list subcommand: every item of `path` (up to `limit`), printed as JSON with `--json`, else as
 * `table(items)`. `catalog`: the list reads the spoke catalog (see `AdminWork.catalog`).
 */
export function listWork<T>(
  path: string,
  query: Record<string, string | undefined>,
  table: (items: T[]) => string,
  options: { limit?: number; catalog?: boolean } = {},
): AdminWork {
  return {
    write: false,
    catalog: options.catalog,
    async run(client, io, json) {
      const items = await client.list<T>(path, query, options.limit);
      if (json) printJson(io, items);
      else io.out(table(items));
      return EXIT_CODES.OK;
    },
  };
}

/** `value` when it is undefined or one of `allowed`; otherwise the usage error of `command` naming `--flag`. */
export function oneOf(
  command: string,
  flag: string,
  value: string | undefined,
  allowed: readonly string[],
): string | undefined {
  if (value !== undefined && !allowed.includes(value)) {
    usageError(command, `--${flag} '${value}' is not one of ${allowed.join(", ")}`);
  }
  return value;
}

/** The hub refused a request: its `{ code, message }`, with the exit code its status maps to. */
export class AdminApiError extends LocalError {
  override readonly name = "AdminApiError";
  readonly status: number;
  readonly code: string;

  constructor(command: string, status: number, body: unknown) {
    const { code, message } = errorOf(body, status);
    const exit =
      status === 400 ? EXIT_CODES.USAGE : status === 503 ? EXIT_CODES.UNAVAILABLE : EXIT_CODES.FAILURE;
    super(`alkhub ${command}: ${message}`, exit);
    this.status = status;
    this.code = code;
  }
}

/** Requests with the command's name on every refusal. */
export class AdminClient {
  readonly #command: string;
  readonly target: AdminTarget;

  constructor(command: string, target: AdminTarget) {
    this.#command = command;
    this.target = target;
  }

  /** The answer's body when the status is 2xx; otherwise throws `AdminApiError`. */
  async call<T>(request: AdminRequest): Promise<T> {
    const answer = await this.target.request(request);
    if (answer.status < 200 || answer.status > 299)
      throw new AdminApiError(this.#command, answer.status, answer.body);
    return answer.body as T;
  }

  /** Every item of a list route, page by page, up to `limit` items (all when undefined). */
  async list<T>(path: string, query: Record<string, string | undefined>, limit?: number): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | undefined;
    do {
      const want = limit === undefined ? 500 : Math.min(500, limit - items.length);
      const page = await this.call<{ items: T[]; nextCursor: string | null }>({
        method: "GET",
        path,
        query: { ...query, limit: String(want), cursor },
      });
      items.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined && (limit === undefined || items.length < limit));
    return limit === undefined ? items : items.slice(0, limit);
  }
}

function errorOf(body: unknown, status: number): { code: string; message: string } {
  const error = body as { code?: unknown; message?: unknown } | undefined;
  const code = typeof error?.code === "string" ? error.code : `HTTP_${status}`;
  const message = typeof error?.message === "string" ? error.message : `the hub answered ${status}`;
  return { code, message };
}

/** Throws the usage error of `command`, pointing at its help. */
export function usageError(command: string, message: string): never {
  throw new UsageError(`alkhub ${command}: ${message} (see 'alkhub ${command} --help')`);
}

/** Prints `value` as indented JSON on stdout. */
export function printJson(io: CommandIo, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}

/** A plain text table: a header row and aligned columns, trailing spaces trimmed. */
export function formatTable(header: string[], rows: string[][]): string {
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

/** An ISO time as `YYYY-MM-DD HH:MM` (UTC), or `-`. */
export function minute(at: string | null | undefined): string {
  return at ? at.slice(0, 16).replace("T", " ") : "-";
}
