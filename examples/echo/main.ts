/**
 * The echo example spoke.
 *   bun examples/echo/main.ts --url ws://127.0.0.1:3000/ws --name echo --key-file ./echo.key
 * The key is read from the file (mode 600), never from argv or the environment. SIGINT/SIGTERM drain, then exit 0.
 */
import { EXIT_USAGE, ExampleUsageError, parseSpokeArgs, readKeyFile, runSpoke } from "../shared/index.ts";
import { echoOperations } from "./operations.ts";

const USAGE = `usage: bun examples/echo/main.ts --url <ws-url> --name <spoke-name> --key-file <file>

  --url <ws-url>      the hub's WebSocket endpoint, e.g. ws://127.0.0.1:3000/ws
  --name <name>       the spoke name to register (the key's --spoke-names must allow it), e.g. echo
  --key-file <file>   a file holding the API key (scopes spoke,call), mode 600
  -h, --help          show this help

Operations: echo, add, sleep, count, fail (published as <name>.echo, …).`;

async function main(argv: string[]): Promise<number> {
  try {
    const args = parseSpokeArgs(argv);
    if (args.help) {
      console.log(USAGE);
      return 0;
    }
    const { key, warning } = await readKeyFile(args.keyFile);
    if (warning) console.error(`warning: ${warning}`);
    return await runSpoke({
      url: args.url,
      name: args.name,
      token: key,
      operations: echoOperations,
      kind: "example",
    });
  } catch (error) {
    if (!(error instanceof ExampleUsageError)) throw error;
    console.error(`echo spoke: ${error.message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
}

process.exit(await main(process.argv.slice(2)));
