import { dirname, resolve } from "node:path";
import { type LocalConfigFiles, writeLocalConfig } from "../config/index.ts";
import { EXIT_CODES, type ExitCode, LocalError, UsageError } from "../errors.ts";
import { parseCommandArgs } from "./args.ts";
import type { Command, CommandIo } from "./command.ts";

/** What `alkhub init` produced, handed to the `afterInit` hook. */
export interface InitResult extends LocalConfigFiles {
  /** The directory the files were written to (absolute). */
  dir: string;
}

/** Extension points of `alkhub init`. */
export interface InitHooks {
  /**
   * Runs after the config and master key are written, before the next steps are printed (the lead plugs in
   * "create the first admin key and print it once" here). A `LocalError` it throws becomes the exit code.
   */
  afterInit?: (result: InitResult, io: CommandIo) => Promise<void>;
}

const HELP = `Usage: alkhub init [--dir <dir>] [--force]

Creates a local setup for the embedded mode: <dir>/alkhub.json (config: server on 127.0.0.1:3000, data in
./data, one fresh data key stored encrypted) and <dir>/alkhub.key (a new master key), both mode 0600.

Options:
  --dir <dir>   where to write the files (default: the current directory; created when missing)
  --force       overwrite existing files; values encrypted with the old master key become unreadable
  -h, --help    show this help

Exit codes:
  0   files written
  64  bad usage
  78  a file already exists (without --force), or another configuration error
  1   any other failure (e.g. the directory is not writable)
`;

/** Builds the `init` command; `hooks.afterInit` extends it without touching this file. */
export function createInitCommand(hooks: InitHooks = {}): Command {
  return {
    name: "init",
    summary: "create ./alkhub.json and ./alkhub.key for a local hub",
    help: HELP,
    async run(argv: string[], io: CommandIo): Promise<ExitCode> {
      try {
        const { values, positionals } = parseCommandArgs("init", argv, {
          dir: { type: "string" },
          force: { type: "boolean" },
        });
        if (values.help) {
          io.out(HELP);
          return EXIT_CODES.OK;
        }
        if (positionals.length > 0) {
          throw new UsageError(
            `alkhub init: unexpected argument '${positionals[0]}' (see 'alkhub init --help')`,
          );
        }
        const dir = values.dir ?? process.cwd();
        const files = await writeLocalConfig({ dir, force: values.force === true });
        io.out(`wrote ${files.configPath} (config, mode 0600)`);
        io.out(`wrote ${files.keyPath} (master key, mode 0600: keep it secret, back it up, never commit it)`);
        const result: InitResult = { ...files, dir: dirname(files.configPath) };
        if (hooks.afterInit) await hooks.afterInit(result, io);
        io.out(nextSteps(result, resolve(dir) === process.cwd()));
        return EXIT_CODES.OK;
      } catch (error) {
        if (!(error instanceof LocalError)) throw error;
        io.err(error.message);
        return error.exitCode;
      }
    },
  };
}

function nextSteps(result: InitResult, inCwd: boolean): string {
  const flags = inCwd ? "" : ` --config ${result.configPath}`;
  return [
    "",
    "next steps:",
    `  validate the config:  alkhub config check${flags}`,
    `  start the hub:        alkhub serve${flags}   (listens on http://127.0.0.1:3000)`,
    "  encrypt secrets:      alkhub config encrypt --path /postgres   (see 'alkhub config --help')",
  ].join("\n");
}

/** `alkhub init` with no hooks. */
export const initCommand: Command = createInitCommand();
