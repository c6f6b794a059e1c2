import {
  encryptValueInFile,
  loadHubConfig,
  readDecryptedValue,
  resolveConfigPath,
  resolveMasterKeyPath,
} from "../config/index.ts";
import { readMasterKeyFile } from "../crypto/index.ts";
import { EXIT_CODES, type ExitCode, LocalError, UsageError } from "../errors.ts";
import { createLogger, type Logger } from "../log/index.ts";
import { parseCommandArgs } from "./args.ts";
import type { Command, CommandIo } from "./command.ts";

/** What the `config` command reads from its surroundings; defaults are the process's own. */
export interface ConfigCommandDeps {
  cwd?: () => string;
  env?: Record<string, string | undefined>;
  /** The whole of stdin, for `encrypt --stdin`. */
  readStdin?: () => Promise<string>;
  /** Whether stdout is a terminal (`decrypt` prints secrets only there unless --force). */
  stdoutIsTty?: () => boolean;
  exists?: (path: string) => boolean;
}

const HELP = `Usage:
  alkhub config encrypt --path <pointer> [--stdin] [--config <file>] [--master-key-file <file>]
  alkhub config decrypt --path <pointer> [--force] [--config <file>] [--master-key-file <file>]
  alkhub config check [--config <file>] [--master-key-file <file>]

encrypt  Replaces the value at <pointer> (a JSON pointer such as /postgres or /redis/password) with an
         enc:v1:… value sealed with the master key and bound to that path. A whole section (an object) becomes
         one encrypted JSON document. With --stdin the value is read from stdin instead of the file (a trailing
         newline is dropped; text starting with '{' must be a JSON object) and replaces whatever is at the path.
         A value that is already encrypted is refused. The file is rewritten atomically and keeps its mode.
decrypt  Prints the decrypted value at <pointer>, only to a terminal unless --force; always warns on stderr.
check    Loads the config as 'alkhub serve' would (decrypt, defaults, schema) and prints "ok: <file>".

Options:
  --path <pointer>          the JSON pointer of the value (encrypt, decrypt)
  --stdin                   encrypt: read the plaintext from stdin
  --force                   decrypt: print even when stdout is not a terminal
  --config <file>           config file (default: $ALKHUB_CONFIG_PATH, /etc/alkhub/config.json, ./alkhub.json)
  --master-key-file <file>  master key (default: /run/secrets/hub_master_key, alkhub.key beside the config)
  -h, --help                show this help

Exit codes:
  0   done (check: the config is valid)
  64  bad usage (unknown option, missing --path, a value that cannot be encrypted, decrypt to a non-terminal)
  78  configuration error (file missing or invalid, wrong master key, value that does not decrypt)
  1   any other failure (e.g. the file could not be written)
`;

const OPTIONS = {
  path: { type: "string" },
  stdin: { type: "boolean" },
  force: { type: "boolean" },
  config: { type: "string" },
  "master-key-file": { type: "string" },
} as const;

type Values = ReturnType<typeof parseCommandArgs<typeof OPTIONS>>["values"];

/** Builds the `config` command (`encrypt`, `decrypt`, `check`) with injectable surroundings for tests. */
export function createConfigCommand(deps: ConfigCommandDeps = {}): Command {
  const cwd = deps.cwd ?? (() => process.cwd());
  const env = deps.env ?? process.env;
  const readStdin = deps.readStdin ?? (() => Bun.stdin.text());
  const stdoutIsTty = deps.stdoutIsTty ?? (() => process.stdout.isTTY === true);

  const masterKeyFor = async (values: Values, log: Logger) => {
    const { path: file } = resolveConfigPath({ flag: values.config, env, cwd: cwd(), exists: deps.exists });
    const keyPath = resolveMasterKeyPath({
      flag: values["master-key-file"],
      configPath: file,
      cwd: cwd(),
      exists: deps.exists,
    });
    return { file, masterKey: await readMasterKeyFile(keyPath, log) };
  };

  const subcommands: Record<string, (values: Values, io: CommandIo, log: Logger) => Promise<ExitCode>> = {
    async encrypt(values, io, log) {
      const pointer = requirePath(values, "encrypt");
      const { file, masterKey } = await masterKeyFor(values, log);
      const plaintext = values.stdin ? await readStdin() : undefined;
      const { replaced } = await encryptValueInFile({ file, pointer, masterKey, plaintext });
      io.out(`encrypted ${pointer} in ${file}${replaced ? " (replaced the previous encrypted value)" : ""}`);
      return EXIT_CODES.OK;
    },
    async decrypt(values, io, log) {
      const pointer = requirePath(values, "decrypt");
      io.err(`warning: this prints the decrypted secret at ${pointer}; do not paste it anywhere it is kept`);
      if (!values.force && !stdoutIsTty()) {
        throw new UsageError(
          "alkhub config decrypt: stdout is not a terminal; pass --force to print the secret",
        );
      }
      const { file, masterKey } = await masterKeyFor(values, log);
      const { value, wasEncrypted } = await readDecryptedValue({ file, pointer, masterKey });
      if (!wasEncrypted) io.err(`note: ${pointer} is stored in plaintext in ${file}`);
      io.out(typeof value === "string" ? value : JSON.stringify(value, null, 2));
      return EXIT_CODES.OK;
    },
    async check(values, io, log) {
      const { configPath } = await loadHubConfig({
        configFlag: values.config,
        masterKeyFlag: values["master-key-file"],
        cwd: cwd(),
        env,
        log,
        exists: deps.exists,
      });
      io.out(`ok: ${configPath}`);
      return EXIT_CODES.OK;
    },
  };

  return {
    name: "config",
    summary: "encrypt, decrypt or check values of the config file",
    help: HELP,
    async run(argv: string[], io: CommandIo): Promise<ExitCode> {
      try {
        const { values, positionals } = parseCommandArgs("config", argv, OPTIONS);
        if (values.help) {
          io.out(HELP);
          return EXIT_CODES.OK;
        }
        const [name, ...extra] = positionals;
        const subcommand = name === undefined ? undefined : subcommands[name];
        if (!subcommand) {
          const what = name === undefined ? "a subcommand is required" : `unknown subcommand '${name}'`;
          throw new UsageError(
            `alkhub config: ${what} (encrypt, decrypt, check; see 'alkhub config --help')`,
          );
        }
        if (extra.length > 0)
          throw new UsageError(`alkhub config ${name}: unexpected argument '${extra[0]}'`);
        const log = createLogger({ format: "pretty", level: "warn", sink: (line) => io.err(line) });
        return await subcommand(values, io, log);
      } catch (error) {
        if (!(error instanceof LocalError)) throw error;
        io.err(error.message);
        return error.exitCode;
      }
    },
  };
}

function requirePath(values: Values, subcommand: string): string {
  if (values.path === undefined) {
    throw new UsageError(`alkhub config ${subcommand}: --path <pointer> is required (e.g. --path /postgres)`);
  }
  return values.path;
}

/** `alkhub config` reading the process's cwd, environment, stdin and terminal. */
export const configCommand: Command = createConfigCommand();
