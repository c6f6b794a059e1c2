/**
 * The MCP conformance spoke: the tools `@modelcontextprotocol/conformance` calls in its tools-call-* scenarios.
 *   bun examples/conformance/main.ts --url ws://127.0.0.1:3000/ws --name conformance --key-file ./spoke.key
 * Then run the suite against http://127.0.0.1:3000/mcp/spokes/conformance (see docs/mcp.md).
 */

import type { Spoke } from "@alkdev/hub/spoke";
import { EXIT_USAGE, ExampleUsageError, parseSpokeArgs, readKeyFile, runSpoke } from "../shared/index.ts";
import { conformanceOperationsWithTrigger } from "./operations.ts";

const USAGE = `usage: bun examples/conformance/main.ts --url <ws-url> --name conformance --key-file <file>`;

async function main(argv: string[]): Promise<number> {
  try {
    const args = parseSpokeArgs(argv);
    if (args.help) {
      console.log(USAGE);
      return 0;
    }
    const { key, warning } = await readKeyFile(args.keyFile);
    if (warning) console.error(`warning: ${warning}`);
    let spoke: Spoke | undefined;
    return await runSpoke({
      url: args.url,
      name: args.name,
      token: key,
      operations: conformanceOperationsWithTrigger(() => spoke),
      onConnected: (connected) => {
        spoke = connected;
      },
    });
  } catch (error) {
    if (!(error instanceof ExampleUsageError)) throw error;
    console.error(`conformance spoke: ${error.message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
}

process.exit(await main(process.argv.slice(2)));
