import { EXIT_CODES, type ExitCode, exitCodeOf, LocalError } from "../errors.ts";
import { redactText } from "../log/index.ts";
import { createAuditCommand } from "./audit.ts";
import { bridgeCommand } from "./bridge.ts";
import { createCallsCommand } from "./calls.ts";
import type { Command, CommandIo } from "./command.ts";
import { processIo } from "./command.ts";
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
  const [first, ...rest] = argv;
  if (first === "--help" || first === "-h" || first === "help") {
    io.out(usage(commands));
    return EXIT_CODES.OK;
  }
  const named = first === undefined ? undefined : commands.find((c) => c.name === first);
  if (!named && first !== undefined && !first.startsWith("-")) {
    io.err(`alkhub: unknown command "${first}"\n\n${usage(commands)}`);
    return EXIT_CODES.USAGE;
  }
  const command = named ?? serveCommand;
  try {
    return await command.run(named ? rest : argv, io);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.err(redactText(error instanceof LocalError ? message : `alkhub ${command.name}: ${message}`));
    return exitCodeOf(error);
  }
}
