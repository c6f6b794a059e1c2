import type { ExitCode } from "../errors.ts";

/**
 * One CLI command. `main.ts` dispatches `alkhub <name> …` to it; `run` returns the exit code instead of exiting,
 * so tests can call commands in-process. Output that is the command's result goes to `io.out`; messages go to
 * `io.err`.
 */
export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The full `--help` text: usage, options, exit codes. */
  help: string;
  run(argv: string[], io: CommandIo): Promise<ExitCode>;
}

/** Where a command writes. */
export interface CommandIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** The process's own stdout and stderr. */
export const processIo: CommandIo = {
  out: (text) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith("\n") ? text : `${text}\n`),
};
