import { EXIT_CODES, type ExitCode, LocalError, UnavailableError, UsageError } from "../errors.ts";
import { DataDirInUseError, type Store } from "../store/index.ts";
import { parseCommandArgs } from "./args.ts";
import type { Command, CommandIo } from "./command.ts";

/** How a store-using command opens the store from its `--config` / `--master-key-file` flags. */
export type OpenStoreForFlags = (flags: { config?: string; masterKeyFile?: string }) => Promise<Store>;

const HELP = `Usage: alkhub migrate [--status] [--config <file>] [--master-key-file <file>]

Applies the database migrations built into this binary that the configured store (Postgres, or the embedded
data dir when the config has no "postgres" section) does not have yet. 'alkhub serve' does the same at start;
this command is for running them ahead of a deploy. Several instances may run it at once: a Postgres advisory
lock serialises them.

A hub applies every migration of its binary when it starts, so a running embedded hub has them all; this
command opens the embedded data dir only when no process holds it.

Options:
  --status                   list every migration and whether it is applied; change nothing
  --config <file>            the config file (default: as 'alkhub serve' finds it)
  --master-key-file <file>   the master key (default: as 'alkhub serve' finds it)
  -h, --help                 show this help

Exit codes:
  0   done (or status printed)
  64  bad usage
  69  the database is unreachable, or a running hub holds the embedded data dir (it migrated at its start)
  78  configuration error
  1   any other failure (e.g. a migration failed)
`;

/** Builds `alkhub migrate`; `openStore` turns the flags into an open store (the lead's config loading). */
export function createMigrateCommand(openStore: OpenStoreForFlags): Command {
  return {
    name: "migrate",
    summary: "apply the built-in database migrations (--status to list them)",
    help: HELP,
    async run(argv: string[], io: CommandIo): Promise<ExitCode> {
      try {
        const { values, positionals } = parseCommandArgs("migrate", argv, {
          status: { type: "boolean" },
          config: { type: "string" },
          "master-key-file": { type: "string" },
        });
        if (values.help) {
          io.out(HELP);
          return EXIT_CODES.OK;
        }
        if (positionals.length > 0) {
          throw new UsageError(
            `alkhub migrate: unexpected argument '${positionals[0]}' (see 'alkhub migrate --help')`,
          );
        }
        const store = await openStore({
          config: values.config,
          masterKeyFile: values["master-key-file"],
        }).catch((error: unknown) => {
          throw error instanceof DataDirInUseError ? heldByHub(error) : error;
        });
        try {
          if (values.status) {
            const states = await store.migrationStatus();
            const width = Math.max(9, ...states.map((s) => s.tag.length));
            io.out(
              [
                `${"MIGRATION".padEnd(width)}  STATE`,
                ...states.map((s) => `${s.tag.padEnd(width)}  ${s.applied ? "applied" : "pending"}`),
              ].join("\n"),
            );
          } else {
            const { applied } = await store.migrate();
            io.out(`applied ${applied} migration${applied === 1 ? "" : "s"}`);
          }
        } finally {
          await store.close();
        }
        return EXIT_CODES.OK;
      } catch (error) {
        if (!(error instanceof LocalError)) throw error;
        io.err(error.message);
        return error.exitCode;
      }
    },
  };
}

/** The data dir is held (by a running hub, which applied its migrations when it started). */
function heldByHub(error: DataDirInUseError): UnavailableError {
  const holder = error.holder ? `pid ${error.holder.pid} (${error.holder.command})` : "another process";
  return new UnavailableError(
    `alkhub migrate: the embedded data dir ${error.dataDir} is held by ${holder}. A hub applies every ` +
      "migration of its binary when it starts, so a running hub has them; this command is for Postgres and " +
      "for a data dir no process holds.",
    { cause: error },
  );
}
