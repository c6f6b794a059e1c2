import { EXIT_CODES, type ExitCode, exitCodeOf, LocalError } from "../errors.ts";
import { redactText } from "../log/index.ts";
import { createAuditCommand } from "./audit.ts";
import { bridgeCommand } from "./bridge.ts";
import { createCallsCommand } from "./calls.ts";
import type { Command, CommandIo } from "./command.ts";
import { processIo } from "./command.ts";
import { commandWord } from "./command-word.ts";
import { configCommand } from "./config.ts";
import { openStoreForCommand, withMigratedStore } from "./context.ts";
import { printFirstAdminKey } from "./first-admin-key.ts";
import { healthCommand } from "./health.ts";
import { createInitCommand } from "./init.ts";
import { createKeysCommand } from "./keys.ts";
import { createMigrateCommand } from "./migrate.ts";
import { createSecretsCommand } from "./secrets.ts";
import { serveCommand } from "./serve.ts";
import { createSpokesCommand } from "./spokes.ts";
import { versionCommand } from "./version.ts";

/** Every command, in the order `alkhub --help` lists them. */
export function allCommands(): Command[] {
  return [
    serveCommand,
    createInitCommand({
      afterInit: (result, io) =>
        withMigratedStore(result.configPath, (store) => printFirstAdminKey(store, io)),
    }),
    configCommand,
    createKeysCommand(),
    createSecretsCommand(),
    createSpokesCommand(),
    createCallsCommand(),
    createAuditCommand(),
    createMigrateCommand(openStoreForCommand),
    bridgeCommand,
    healthCommand,
    versionCommand,
  ];
}

function usage(commands: Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    "Usage: alkhub [command] [options]      ('alkhub <command> --help' for details)",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "With no command, alkhub runs 'serve'.",
  ].join("\n");
}

/** Runs one command line and returns the exit code. Errors print their message (redacted), never a stack. */
export async function runCli(argv: string[], io: CommandIo = processIo): Promise<ExitCode> {
  const commands = allCommands();
  const word = commandWord(argv);
  if (word === "help") {
    io.out(usage(commands));
    return EXIT_CODES.OK;
  }
  const command = commands.find((c) => c.name === word);
  if (!command) {
    io.err(`alkhub: unknown command "${word}"\n\n${usage(commands)}`);
    return EXIT_CODES.USAGE;
  }
  try {
    // `serve` by default takes the whole line (it starts with an option); a named command, what follows it.
    return await command.run(argv[0] === word ? argv.slice(1) : argv, io);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.err(redactText(error instanceof LocalError ? message : `alkhub ${command.name}: ${message}`));
    return exitCodeOf(error);
  }
}
