/**
 * The fs example spoke: read-only access to one directory.
 *   bun examples/fs/main.ts --url ws://127.0.0.1:3000/ws --name fs --key-file ./fs.key --root ./shared
 * The key is read from the file (mode 600), never from argv or the environment. SIGINT/SIGTERM drain, then exit 0.
 */
import { stat } from "node:fs/promises";
import {
  EXIT_USAGE,
  ExampleUsageError,
  parsePositiveIntegerOption,
  parseSpokeArgs,
  readKeyFile,
  runSpoke,
} from "../shared/index.ts";
import { createFsOperations } from "./operations.ts";
import { DEFAULT_MAX_BYTES } from "./read-file.ts";

const USAGE = `usage: bun examples/fs/main.ts --url <ws-url> --name <spoke-name> --key-file <file> --root <dir>
                            [--max-bytes <n>]

  --url <ws-url>      the hub's WebSocket endpoint, e.g. ws://127.0.0.1:3000/ws
  --name <name>       the spoke name to register (the key's --spoke-names must allow it), e.g. fs
  --key-file <file>   a file holding the API key (scopes spoke,call), mode 600
  --root <dir>        the directory to share, read-only; nothing outside it can be read
  --max-bytes <n>     largest file fs.read returns, in bytes (default ${DEFAULT_MAX_BYTES})
  -h, --help          show this help

Operations: fs.list, fs.read (published as <name>.fs.list, <name>.fs.read).`;

async function checkRoot(root: string): Promise<void> {
  try {
    if ((await stat(root)).isDirectory()) return;
  } catch (error) {
    const code = (error as { code?: string }).code ?? "error";
    throw new ExampleUsageError(`--root ${JSON.stringify(root)} cannot be opened (${code})`);
  }
  throw new ExampleUsageError(`--root ${JSON.stringify(root)} is not a directory`);
}

async function main(argv: string[]): Promise<number> {
  try {
    const args = parseSpokeArgs(argv, { root: { required: true }, "max-bytes": { required: false } });
    if (args.help) {
      console.log(USAGE);
      return 0;
    }
    const root = args.extra.root ?? "";
    await checkRoot(root);
    const maxBytesText = args.extra["max-bytes"];
    const maxBytes =
      maxBytesText === undefined ? DEFAULT_MAX_BYTES : parsePositiveIntegerOption("max-bytes", maxBytesText);
    const { key, warning } = await readKeyFile(args.keyFile);
    if (warning) console.error(`warning: ${warning}`);
    return await runSpoke({
      url: args.url,
      name: args.name,
      token: key,
      operations: createFsOperations({ root, maxBytes }),
      kind: "example",
    });
  } catch (error) {
    if (!(error instanceof ExampleUsageError)) throw error;
    console.error(`fs spoke: ${error.message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
}

process.exit(await main(process.argv.slice(2)));
